"""The scheduled service (``xl-crm service``): a jobs file that cannot be used, a run-history
database that cannot be opened."""

from __future__ import annotations

from xl_crm.errors.base import Text, XlCrmError
from xl_crm.errors.templates import SpecError


class JobsFileError(SpecError):
    """A jobs file (``xl-crm service run JOBS.yaml``) that cannot be used: bad YAML, an
    unknown key, a job without a source, a cron expression that does not parse, two jobs
    of one name.  ``problems`` lists each with its file, line and key, as a template
    spec's errors do."""

    reason = "jobs-file-invalid"
    fix: Text = (
        "按每条问题所指的行修改任务文件（见 docs/service.md 的“任务文件参考”）",
        "correct the jobs file at each line named (docs/service.md, Jobs file reference)",
    )
    heads = (
        ("任务文件有误", "jobs file is invalid"),
        ("任务文件有 {count} 处问题", "jobs file has {count} problems"),
    )


class ServiceDatabaseError(XlCrmError):
    """The service's database (run history and job leases) cannot be used: a ``--db`` URL
    that is not a database URL, a driver that is not installed, a server that does not
    answer, a file in a folder that cannot be written, a schema newer than this xl-crm."""

    reason = "service-database"
    fix: Text = (
        "检查 --db（sqlite:///文件 或 postgresql+psycopg://用户@主机/库）以及数据库是否可连接",
        "check --db (sqlite:///FILE or postgresql+psycopg://USER@HOST/DB) and that the "
        "database can be reached",
    )
