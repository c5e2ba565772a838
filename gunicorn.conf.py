"""Settings gunicorn reads by itself when started in the checkout (`make demo`, `make demo-la311`, bench/).

No control socket: its default path is one per user ($HOME/.gunicorn/gunicorn.ctl),
so two OneScreens on one machine would share it and stopping one would delete
the other's. Nothing here uses gunicornc; a deployment that wants it passes
its own settings with -c, which replaces this file.

gunicorn 27 always sends `Server: gunicorn` (without its version) and has no
setting to drop it; a reverse proxy in front removes it if policy demands.

The app is loaded in the master before it binds its port and forks the workers (`preload_app`): a gunicorn
that is starting refuses connections until it can answer, so nginx hands them to another process (a
restarted host used to accept them while its workers were still importing the app, 80-140 s on a loaded
machine, and those requests hung: tests/chaos_suite.py, one host killed). The workers share the loaded
code's memory, and open their own database connections (data_access.engine.fresh_after_fork). A code
change needs a restart: SIGHUP reloads the workers from the master's copy.
"""
control_socket_disable = True
preload_app = True
# Seconds an idle keep-alive connection is kept: longer than nginx's upstream keepalive_timeout
# (deploy/nginx/onescreen.conf), so nginx, never gunicorn, closes an idle one; with gunicorn's 2 s
# default, a request nginx sends on a connection gunicorn is closing is reset, and a POST gets a 502.
keepalive = 75
