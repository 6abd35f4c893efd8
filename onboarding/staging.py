"""django-import-export's temporary file, kept as the plan import keeps its own (initiatives.staging).

The file waits under IMPORT_STAGING_DIR, readable by the application's OS user only, and belongs to the user
who uploaded it: the confirmation form's name fetches nothing for anyone else. The storage is handed no
request, so the user is the current request's (audit.middleware keeps it).
"""

from import_export.tmp_storages import BaseStorage

from audit.trail import current_request
from initiatives import staging

KIND = "bulk"


class StagedFileGone(Exception):
    """The staged file is gone (confirmed already, expired) or is not this user's."""


def _user():
    request = current_request()
    return getattr(request, "user", None)


class UserStagedFile(BaseStorage):
    def save(self, data):
        self.name = staging.stage(bytes(data), _user(), KIND)

    def read(self):
        data = staging.fetch(self.name, _user(), KIND)
        if data is None:
            raise StagedFileGone(self.name)
        return data

    def remove(self):
        staging.discard(self.name, _user(), KIND)

    def exists(self):
        return staging.fetch(self.name, _user(), KIND) is not None
