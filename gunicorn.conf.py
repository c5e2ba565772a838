"""Settings gunicorn reads by itself when started in the checkout (`make demo`, `make demo-la311`, bench/).

No control socket: its default path is one per user ($HOME/.gunicorn/gunicorn.ctl),
so two OneScreens on one machine would share it and stopping one would delete
the other's. Nothing here uses gunicornc; a deployment that wants it passes
its own settings with -c, which replaces this file.

gunicorn 27 always sends `Server: gunicorn` (without its version) and has no
setting to drop it; a reverse proxy in front removes it if policy demands.
"""
control_socket_disable = True
# Seconds an idle keep-alive connection is kept: longer than nginx's upstream keepalive_timeout
# (deploy/nginx/onescreen.conf), so nginx, never gunicorn, closes an idle one; with gunicorn's 2 s
# default, a request nginx sends on a connection gunicorn is closing is reset, and a POST gets a 502.
keepalive = 75
