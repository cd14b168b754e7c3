"""What the stand-in takes from the settings Tutor renders: the lmsauth blocks, which stop it
with a clear error when broken, and the LMS's JWT signing key."""

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization

from devstack.standin import redirect_params
from devstack.tutor_project import LMS_HOST, enabled_project


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            "# BEGIN lmsauth\nLMSAUTH_OAUTH_CLIENTS = []\n",
            "'# BEGIN lmsauth' without '# END lmsauth'",
        ),
        ("# BEGIN lmsauth\nLMSAUTH_OAUTH_CLIENTS = [\n# END lmsauth\n", "SyntaxError"),
        ("# BEGIN lmsauth\nUNDEFINED_LIST.append('x')\n# END lmsauth\n", "UNDEFINED_LIST"),
    ],
)
def test_broken_block_fails_every_command(standin_lms, tmp_path, block, message):
    settings = tmp_path / "production.py"
    settings.write_text(block)
    result = standin_lms.manage(
        "check", env={"STANDIN_LMS_TUTOR_SETTINGS": str(settings)}, check=False
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_indented_block_and_several_blocks(standin_lms, tmp_path):
    settings = tmp_path / "production.py"
    settings.write_text(
        "if True:\n"
        "    # BEGIN lmsauth\n"
        "    IDA_LOGOUT_URI_LIST.append('http://one.test/logout/')\n"
        "    # END lmsauth\n"
        "# BEGIN lmsauth\n"
        "IDA_LOGOUT_URI_LIST.append('http://two.test/logout/')\n"
        "# END lmsauth\n"
    )
    result = standin_lms.shell(
        "from django.conf import settings; print(settings.IDA_LOGOUT_URI_LIST)",
        env={"STANDIN_LMS_TUTOR_SETTINGS": str(settings)},
    )
    assert "['http://one.test/logout/', 'http://two.test/logout/']" in result.stdout


def test_it_signs_with_the_key_tutor_renders_as_the_lms_does(standin_lms_factory, tmp_path):
    project = enabled_project(tmp_path / "tutor", {"LMS_HOST": LMS_HOST})
    lms = standin_lms_factory(tutor_settings=project.lms_settings())
    client = lms.register_client("tutor-keys", ["http://127.0.0.1:9/auth/callback/"])
    code = redirect_params(lms.authorize(lms.signed_in_session(), client, scope="user_id"))["code"]
    answer = lms.exchange_code(client, code, token_type="jwt", asymmetric_jwt="true").json()

    # The key in Tutor's config.yml, which Tutor renders into the LMS settings as a JWK.
    pem = project.config()["JWT_RSA_PRIVATE_KEY"].encode()
    tutor_key = serialization.load_pem_private_key(pem, password=None).public_key()
    claims = jwt.decode(answer["access_token"], tutor_key, algorithms=["RS512"], audience="openedx")
    assert claims["preferred_username"] == "learner"
    assert jwt.get_unverified_header(answer["access_token"])["kid"] == "openedx"
    # The public set it verifies with is the one Tutor rendered beside it.
    (published,) = jwt.PyJWKSet.from_dict(lms.jwks).keys
    assert published.key_id == "openedx"
    assert published.key.public_numbers() == tutor_key.public_numbers()
    me = requests.get(
        lms.url + "/api/user/v1/me",
        headers={"Authorization": f"JWT {answer['access_token']}"},
        timeout=10,
    )
    assert me.json() == {"username": "learner"}


def test_a_signing_key_it_cannot_read_stops_it(standin_lms, tmp_path):
    settings = tmp_path / "production.py"
    settings.write_text('JWT_AUTH["JWT_PRIVATE_SIGNING_JWK"] = load_it_from_elsewhere()\n')
    result = standin_lms.manage(
        "check", env={"STANDIN_LMS_TUTOR_SETTINGS": str(settings)}, check=False
    )
    assert result.returncode != 0
    assert "JWT_AUTH['JWT_PRIVATE_SIGNING_JWK'] is not in the form Tutor renders" in result.stderr
