"""Ralph's LRS server, run by the Python of Ralph's own virtualenv (it imports nothing of the
project): ``python ralph_server.py HOST PORT``, settings from RALPH_* variables.

``ralph runserver`` would do, but for two things. Its file-system backend in ralph-malph
5.1.0 writes with the "create" operation by default, which makes the statements file on the
first POST and refuses every later one with a 500; an LRS appends, so the backend is told to.
And it runs uvicorn with its reloader, one more process to watch for nothing.
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host=sys.argv[1], port=int(sys.argv[2]), log_level="info")
