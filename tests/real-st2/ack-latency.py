"""Whole-process command → ack on real StackStorm: the st2 CLI's
`action-alias execute` against `stormdesk-cli exec` (no --wait), same
server, same run, interleaved. Prints medians and the ratio; asserts nothing.

    python3 ack-latency.py ST2 STORMDESK_CLI URL [N]
"""
import os
import statistics
import subprocess
import sys
import time

st2, ours, url = sys.argv[1:4]
n = int(sys.argv[4]) if len(sys.argv) > 4 else 8
env = dict(os.environ, ST2_BASE_URL=url, ST2_AUTH_URL=url + "/auth", ST2_API_URL=url + "/api",
           ST2_STREAM_URL=url + "/stream")
token = subprocess.run([st2, "--skip-config", "auth", "st2admin", "-p", "Ch@ngeMe", "-t"], env=env,
                       capture_output=True, text=True, check=True).stdout.strip()
env["ST2_AUTH_TOKEN"] = token


def run(cmd):
    t = time.time()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return (time.time() - t) * 1000


theirs, mine = [], []
for i in range(n + 2):
    a = run([st2, "--skip-config", "action-alias", "execute", "conf greet latency"])
    b = run([ours, "--skip-config", "exec", "--", "conf", "greet", "latency"])
    if i >= 2:
        theirs.append(a)
        mine.append(b)
t, m = statistics.median(theirs), statistics.median(mine)
print("whole process, command → ack, %d each on %s:" % (n, url))
print("  st2 action-alias execute: median %.0f ms" % t)
print("  stormdesk-cli exec:       median %.0f ms (ratio %.2f)" % (m, m / t))
