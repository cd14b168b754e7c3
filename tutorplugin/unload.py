"""Cleanup when the plugin is disabled."""

import shutil

from tutor import env, fmt
from tutor.types import Config


def remove_env_folder(plugin: str, root: str, _config: Config) -> None:
    """Delete env/plugins/lmsauth (the app's environment file holds its secrets).

    Tutor 22 means to do this for every plugin, but clears the plugin's template targets before
    reading them, so the folder would stay behind.
    """
    if plugin != "lmsauth":
        return
    folder = env.pathjoin(root, "plugins", "lmsauth")
    fmt.echo_info(f"    env - removing folder: {folder}")
    shutil.rmtree(folder, ignore_errors=True)
