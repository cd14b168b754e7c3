"""A broken Tutor settings block stops the stand-in with a clear error."""

import pytest


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
