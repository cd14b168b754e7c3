"""Hook registrations of the lmsauth plugin, and nothing else: the work lives in sibling modules."""

from tutor import hooks

from . import appsource, clients, commands, config, filters, images, jobs, sync, unload, urls
from .paths import TEMPLATES_DIR, read_patches

# Configuration
hooks.Filters.CONFIG_DEFAULTS.add_items(config.prefixed(config.DEFAULTS))
hooks.Filters.CONFIG_UNIQUE.add_items(config.prefixed(config.UNIQUE))
hooks.Actions.CONFIG_LOADED.add()(config.check)

# Templates: templates/lmsauth/ is rendered to env/plugins/lmsauth/
hooks.Filters.ENV_TEMPLATE_ROOTS.add_item(str(TEMPLATES_DIR))
hooks.Filters.ENV_TEMPLATE_TARGETS.add_item(("lmsauth", "plugins"))
hooks.Filters.ENV_TEMPLATE_FILTERS.add_items(filters.FILTERS)
hooks.Filters.ENV_TEMPLATE_VARIABLES.add_items(filters.VARIABLES)
hooks.Actions.ENV_SAVED.add()(appsource.copy_app_source)
# Before Tutor forgets this plugin's hooks on `tutor plugins disable`.
hooks.Actions.PLUGIN_UNLOADED.add(priority=hooks.priorities.HIGH - 1)(unload.remove_env_folder)
# Job scripts are rendered when they run, not written to the env folder.
hooks.Filters.ENV_PATTERNS_IGNORE.add_item(r"lmsauth/jobs/")

# Patches: one file per patch, named after it
hooks.Filters.ENV_PATCHES.add_items(read_patches())

# Image
hooks.Filters.IMAGES_BUILD.add()(images.build_images)
hooks.Filters.IMAGES_BUILD_REQUIRED.add()(images.required_images)
hooks.Filters.IMAGES_PULL.add()(images.remote_images)
hooks.Filters.IMAGES_PUSH.add()(images.remote_images)
hooks.Filters.IMAGES_BUILD_MOUNTS.add()(images.build_mounts)
hooks.Filters.COMPOSE_MOUNTS.add()(images.compose_mounts)

# URL printed at the end of `tutor local launch`
hooks.Filters.APP_PUBLIC_HOSTS.add()(urls.public_hosts)

# `tutor lmsauth ...`: client status, credentials, secret rotation
hooks.Filters.CLI_COMMANDS.add_item(commands.lmsauth)

# App database: MySQL database and user (MySQL mode), then the app's migrations
hooks.Filters.CLI_DO_INIT_TASKS.add_items(jobs.init_tasks())

# Provisioning (init task and `do lmsauth-sync`): registered below by the provisioning module.
# >>> provisioning hooks
hooks.Filters.ENV_TEMPLATE_VARIABLES.add_item(
    ("lmsauth_oauth_clients", clients.template_oauth_clients)
)
hooks.Filters.ENV_TEMPLATE_FILTERS.add_item(("lmsauth_python", clients.python_literal))
hooks.Filters.CLI_DO_INIT_TASKS.add_item(sync.init_task())
hooks.Filters.CLI_DO_COMMANDS.add_item(sync.sync_command)
# <<< provisioning hooks
