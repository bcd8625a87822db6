"""The ADE: a browser view of the agents, served by `letta server` at `/` (and by `letta ade`).

Plain files in `static/` (HTML, one stylesheet, ES modules), shipped in the wheel and served
as they are: no CDN, no download at run time, no build step. The page holds no data of its
own; everything it shows or changes goes through the server's Letta REST API, with the API
key (when the server has one) that the user types once per browser tab.
"""
