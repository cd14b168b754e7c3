"""The few LMS pages a browser meets outside OAuth: the dashboard, default profile images and
the "too many requests" page."""

import struct
import zlib

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.cache import cache_control
from django_ratelimit.exceptions import Ratelimited


def home(request):
    return render(request, "standin/home.html")


def forbidden(request, exception=None):
    """403, except for a rate-limited request: the LMS's HTML "too many requests" page, 429."""
    if isinstance(exception, Ratelimited):
        return render(request, "standin/429.html", status=429)
    return defaults.permission_denied(request, exception)


@login_required
def dashboard(request):
    return render(request, "standin/home.html")


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache_control(max_age=86400)
def default_profile_image(request, size):
    """A plain grey square, so that account API image URLs point at a real image."""
    side = min(size, 500)
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    pixels = b"".join(b"\x00" + b"\xb0" * side for _ in range(side))
    png = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
    png += _png_chunk(b"IDAT", zlib.compress(pixels)) + _png_chunk(b"IEND", b"")
    return HttpResponse(png, content_type="image/png")
