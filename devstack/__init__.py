"""The lmsauth plugin's stack without Docker, shared by `make demo`, the benchmarks and the tests.

The stand-in LMS (lms/, a Django project started by `standin`), private Tutor projects driven
through the real CLI (`tutor_project`, with the fake docker of fakes/), the app under gunicorn
(`app_server`), Caddy on the rendered Caddyfile (`caddy`), all of them together (`stack`,
`demo`), the sign-in driver (`signin`) and the launch rehearsal on podman (`launch`).
"""
