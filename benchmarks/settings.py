"""Settings of `manage.py bench`'s child processes: the application's own, plus the floor's URL.

The child runs with DEBUG=0 and the other production switches set by the parent (benchmarks/scratch.py), so
what it measures is the production configuration against a scratch database.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
