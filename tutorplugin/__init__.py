"""The lmsauth Tutor plugin: an LMS sign-in application for Open edX sites run by Tutor."""
