"""Hook registrations of the lmsauth plugin, and nothing else: the work lives in sibling modules."""

from tutor import hooks

from . import commands, config, images, jobs, refused_save, templating, unload, urls
from .paths import TEMPLATES_DIR, read_patches

# Configuration
hooks.Filters.CONFIG_DEFAULTS.add_items(list(config.DEFAULTS.items()))
hooks.Filters.CONFIG_UNIQUE.add_items(list(config.UNIQUE.items()))
hooks.Actions.CONFIG_LOADED.add()(config.check)
# What config.yml held before `tutor config save` wrote it: put back if the check refuses.
hooks.Filters.CONFIG_USER.add()(refused_save.remember_read)
hooks.Actions.CONFIG_LOADED.add()(urls.remember_apps)

# Templates: templates/lmsauth/{apps,build,k8s} are rendered to env/plugins/lmsauth/; the job
# scripts of templates/lmsauth/tasks/ are rendered when the jobs run.
hooks.Filters.ENV_TEMPLATE_ROOTS.add_item(str(TEMPLATES_DIR))
hooks.Filters.ENV_TEMPLATE_TARGETS.add_items(
    [("lmsauth/apps", "plugins"), ("lmsauth/build", "plugins"), ("lmsauth/k8s", "plugins")]
)
hooks.Filters.ENV_TEMPLATE_FILTERS.add_items(templating.FILTERS)
hooks.Filters.ENV_TEMPLATE_VARIABLES.add_items(templating.VARIABLES)
# Before Tutor forgets this plugin's hooks on `tutor plugins disable`.
hooks.Actions.PLUGIN_UNLOADED.add(priority=hooks.priorities.HIGH - 1)(unload.remove_env_folder)

# Patches: one file per patch, named after it
hooks.Filters.ENV_PATCHES.add_items(read_patches())

# Image: built from the rendered context, into which the app's source is copied verbatim
hooks.Actions.ENV_SAVED.add()(images.copy_app_source)
hooks.Filters.IMAGES_BUILD.add()(images.build_images)
hooks.Filters.IMAGES_BUILD_REQUIRED.add()(images.required_images)
hooks.Filters.IMAGES_PULL.add()(images.pulled_images)
hooks.Filters.IMAGES_PUSH.add()(images.registry_images)
hooks.Filters.IMAGES_BUILD_MOUNTS.add()(images.build_mounts)

# The apps' URLs printed at the end of `tutor local|dev launch`
hooks.Filters.APP_PUBLIC_HOSTS.add()(urls.public_hosts)

# `tutor lmsauth ...`: client status, credentials, rotation
hooks.Filters.CLI_COMMANDS.add_item(commands.lmsauth)

# Init tasks: the app's MySQL database and user (MySQL mode), its migrations, the LMS's clients;
# and `tutor local|dev|k8s do lmsauth-sync`
hooks.Filters.CLI_DO_INIT_TASKS.add_items(jobs.init_tasks())
hooks.Filters.CLI_DO_COMMANDS.add_item(jobs.sync_command)
