"""What the yearly survey tells people (notifications app): each function is called once its change is committed.

The survey's modules call these; whom to tell and what to say is decided here.
"""


def survey_opened(cycle, by):
    """The survey opened: each department's editors, with a link to their items and their workbook."""


def step_taken(cycle, step, by):
    """A survey step was taken (compile, deliberations, reopen, publish): the roles concerned."""


def entry_submitted(entry, by):
    """A department submitted an entry: 情報管理課."""


def entry_confirmed(entry, by):
    """情報管理課 accepted an entry: its department."""


def entry_returned(entry, by, comment):
    """情報管理課 returned an entry with a comment: its department."""


def entry_commented(entry, by, comment):
    """A comment on an entry: the other side (情報管理課 or the department)."""


def workbook_uploaded(cycle, department, by, numbers):
    """A department's survey workbook was taken in (the 項番 written): 情報管理課."""
