/* A session that ended (timed out, logged out elsewhere) or a wall device that was revoked.

   The guard (access/guard.py) answers Dash's callback requests with 401 once
   nobody is identified; Dash alone would just stop updating, leaving the last
   numbers on screen as if they were live. This wraps window.fetch: on a 401
   from a callback request the page leaves for the login page the answer names,
   a person's (/login, back here after) or, for a wall whose device credential
   is no longer accepted, the pairing page (/login/device), which blanks the wall. */
(function () {
    "use strict";

    var CALLBACK_PATH = "/_dash-update-component";
    var leaving = false;

    function loginTarget(answer) {
        return answer.json().then(function (body) {
            return body && body.error && body.error.login;
        }).catch(function () {
            return null;
        }).then(function (login) {
            if (login === "/login/device") {
                return login;
            }
            var here = window.location.pathname + window.location.search;
            return "/login?next=" + encodeURIComponent(here);
        });
    }

    function isCallbackRequest(resource) {
        var url = typeof resource === "string" ? resource : resource && resource.url;
        try {
            return new URL(url, window.location.href).pathname.slice(-CALLBACK_PATH.length) === CALLBACK_PATH;
        } catch (unparsable) {
            return false;
        }
    }

    var originalFetch = window.fetch.bind(window);
    window.fetch = function (resource, init) {
        return originalFetch(resource, init).then(function (answer) {
            if (answer.status !== 401 || !isCallbackRequest(resource)) {
                return answer;
            }
            if (!leaving) {
                leaving = true;
                loginTarget(answer).then(function (target) {
                    window.location.replace(target);
                });
            }
            // The page is leaving: Dash is never handed the refusal, so it draws no error over the last numbers.
            return new Promise(function () {});
        });
    };
}());
