"""MySQL mode: the app on a real MariaDB server, as on Kubernetes with several replicas."""

import pytest
import requests

from devstack.mariadb import missing_binaries, running_mariadb
from devstack.signin import Browser

pytestmark = pytest.mark.skipif(
    bool(missing_binaries()),
    reason=f"MariaDB server binaries not installed: {', '.join(missing_binaries())} "
    "(Debian package mariadb-server)",
)


def test_sign_in_profile_and_sign_out_on_mariadb(tmp_path, make_app, lms):
    with running_mariadb(tmp_path / "mariadb") as mariadb:
        url = mariadb.create_database("lmsauth", "lmsauth", "db-password-123")
        app = make_app(LMSAUTH_DATABASE_URL=url)
        assert requests.get(app.url + "/readyz", timeout=5).status_code == 200
        browser = Browser(lms.learner)
        assert "Hello, Lena Learner" in browser.sign_in(app.url).text
        assert "learner@example.com" in browser.get(app.url + "/profile/").text
        # Users and sessions live in MariaDB.
        rows = mariadb.sql(
            "SELECT lms_username FROM lmsauth.profiles_lmsidentity;"
            "SELECT COUNT(*) FROM lmsauth.django_session;"
        )
        assert "learner" in rows
        browser.post(app.url + "/auth/logout/", {"csrfmiddlewaretoken": browser.csrf_token()})
        assert browser.get(app.url + "/profile/").status_code == 302
        assert "db-password-123" not in app.logs()
        mariadb.stop()
        not_ready = requests.get(app.url + "/readyz", timeout=10)
        assert not_ready.status_code == 503
        assert requests.get(app.url + "/healthz", timeout=5).status_code == 200
