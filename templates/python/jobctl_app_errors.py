"""Shared by jobctl's Python helpers that load the user's app: report why the app did not import as one
JSON line on stderr ({"error": last traceback line, "where": the user's file:line}) and exit 3.
Passwords in URLs are masked in the message."""
import json
import os
import re
import sys
import sysconfig
import traceback

URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)([^@\s]+)(@)")


def mask_urls(text):
    return URL_PASSWORD.sub(r"\1****\3", text)


def exit_import_failure(exc):
    tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
    where = ""
    stdlib = sysconfig.get_paths().get("stdlib", "\0")
    for frame in traceback.extract_tb(exc.__traceback__)[::-1]:
        # the innermost frame in the user's own code: not an installed package, not the standard
        # library (a RecursionError ends in pathlib), not jobctl's helpers
        if "site-packages" not in frame.filename and not frame.filename.startswith(stdlib) and not frame.filename.startswith("<") and not os.path.basename(frame.filename).startswith("jobctl_"):
            where = "%s:%s" % (os.path.relpath(frame.filename), frame.lineno)
            break
    sys.stderr.write(json.dumps({"error": mask_urls(tb[-1].strip()), "where": where}) + "\n")
    sys.exit(3)
