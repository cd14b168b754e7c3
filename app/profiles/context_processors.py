from django.conf import settings


def site(request) -> dict:
    return {"lms_url": settings.LMSAUTH.lms_url}
