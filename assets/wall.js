/* The wall's browser side (pages/wall.py, callbacks/wall.py): the clock that ages the
   freshness badge, the rotation between panels, and the crowd alert placards
   (which are open here; who acknowledged them is the server's record).

   A wall runs for weeks without a reload, so nothing here may grow: the
   placard store is capped and pruned to the alerts still current, no timer
   or listener is ever added after load, and the renderer's undo history is
   emptied for every view by assets/onescreen.js. */
(function () {
    "use strict";

    var clientside = (window.dash_clientside = window.dash_clientside || {});
    var alertSound = null;

    function twoDigits(number) {
        return (number < 10 ? "0" : "") + number;
    }

    function clockText(secondsOfDay) {
        var seconds = Math.floor(secondsOfDay) % 86400;
        return twoDigits(Math.floor(seconds / 3600)) + ":" + twoDigits(Math.floor(seconds / 60) % 60) + ":" +
            twoDigits(seconds % 60);
    }

    /* The wall's type size as CSS made it from the viewport (assets/wall.css): the
       server sizes the charts' text from it, so page and charts follow one rule. */
    function measuredType(viewport) {
        var wall = document.querySelector(".wall");
        if (!wall) {
            return clientside.no_update;
        }
        var fontPx = parseFloat(window.getComputedStyle(wall).fontSize);
        if (!fontPx || (viewport && Math.abs(viewport.font_px - fontPx) < 0.5)) {
            return clientside.no_update;
        }
        return {font_px: fontPx};
    }

    function playAlert(url) {
        // Browsers refuse sound before a user gesture unless started with
        // --autoplay-policy=no-user-gesture-required: then the wall stays silent, without an error.
        try {
            alertSound = alertSound || new Audio(url);
            alertSound.currentTime = 0;
            var playing = alertSound.play();
            if (playing && playing.catch) {
                playing.catch(function () {});
            }
        } catch (refused) {
            // No sound is better than a broken wall.
        }
    }

    function placardKey(alert) {
        return alert.zone_id + "|" + alert.since;
    }

    /* The placards whose buttons were really clicked (a button re-drawn with
       n_clicks 0 triggers too): their zone ids. */
    function clickedZones() {
        var context = clientside.callback_context;
        var clicked = (context.inputs_list[0] || []).filter(function (entry) {
            return entry.value;
        });
        var triggered = context.triggered.map(function (item) {
            return item.prop_id;
        });
        return clicked.filter(function (entry) {
            return triggered.some(function (propId) {
                return propId.charAt(0) === "{" && JSON.parse(propId.slice(0, propId.lastIndexOf("}") + 1)).zone === entry.id.zone;
            });
        }).map(function (entry) {
            return entry.id.zone;
        });
    }

    /* The alert keys the server has on record as acknowledged: its answer to this
       wall's own clicks, and what the last refresh said of the current alerts
       (another wall of the area may have acknowledged them). */
    function acknowledgedOnServer(alerts, answer) {
        var keys = Object.keys(answer || {});
        (Array.isArray(alerts) ? alerts : []).forEach(function (alert) {
            if (alert.acknowledged) {
                keys.push(placardKey(alert));
            }
        });
        return keys;
    }

    clientside.onescreen_wall = {
        /* When the freshness data arrived, by this browser's clock: the badge ages from then. */
        stamp: function (freshness) {
            if (!freshness) {
                return clientside.no_update;
            }
            return Object.assign({}, freshness, {received_ms: Date.now()});
        },

        /* Every second: the badge's state and text, the clock, and the type size if it changed. */
        tick: function (n, seen, viewport) {
            var measured = measuredType(viewport);
            if (!seen) {
                return ["freshness-badge freshness-badge--pending", "", "", "", measured];
            }
            var elapsed = Math.max(0, (Date.now() - seen.received_ms) / 1000);
            var state = "history";
            var ageText = "";
            if (seen.live) {
                var age = seen.age_s === null ? Infinity : seen.age_s + elapsed;
                state = age >= seen.red_after_s ? "red" : age >= seen.amber_after_s ? "amber" : "fresh";
                if (state !== "fresh" && age !== Infinity) {
                    /* Minutes while young; past an hour the server's words ("3 个月前"), not 131040 minutes. */
                    ageText = age < 3600 ? seen.stale_text.replace("{minutes}", String(Math.floor(age / 60)))
                        : seen.old_text;
                }
            }
            return ["freshness-badge freshness-badge--" + state, seen.text, ageText,
                clockText(seen.now_s + elapsed), measured];
        },

        /* Which panel is on top: the rotation's next view, in the order the URL gave. */
        rotate: function (n, config) {
            if (!config || !config.views || !config.views.length) {
                return clientside.no_update;
            }
            return config.views[(n || 0) % config.views.length];
        },

        /* A click on a placard's button: the keys of the alerts it acknowledges, for the
           server to record (callbacks/wall_acknowledgement.py). The placard closes
           when the server's answer comes back, not before: an acknowledgement the
           server did not record would be one nobody else sees. */
        acknowledge: function (clicks, stored) {
            var zones = clickedZones();
            var open = stored && Array.isArray(stored.open) ? stored.open : [];
            var keys = open.filter(function (placard) {
                return zones.indexOf(placard.zone_id) >= 0;
            }).map(placardKey);
            return keys.length ? {keys: keys} : clientside.no_update;
        },

        /* The open placards (one per zone, newest surge) and the acknowledged alerts,
           from the current alerts and what the server has on record as acknowledged.
           Returns no_update when nothing changed, so the placards are not redrawn
           every refresh. */
        placards: function (alerts, answer, stored, config) {
            var before = stored && Array.isArray(stored.open) && Array.isArray(stored.acknowledged)
                ? stored : {open: [], acknowledged: []};
            var open = before.open.slice();
            var acknowledged = before.acknowledged.slice();
            var known = {};
            open.forEach(function (placard) {
                known[placardKey(placard)] = true;
            });
            acknowledged.forEach(function (key) {
                known[key] = true;
            });

            acknowledgedOnServer(alerts, answer).forEach(function (key) {
                open = open.filter(function (placard) {
                    return placardKey(placard) !== key;
                });
                // A surge still going on is remembered, so it does not pop up again at the next refresh.
                if (acknowledged.indexOf(key) < 0) {
                    acknowledged.push(key);
                }
            });

            var surged = false;
            if (Array.isArray(alerts)) {
                var current = {};
                alerts.forEach(function (alert) {
                    var key = placardKey(alert);
                    current[key] = true;
                    if (acknowledged.indexOf(key) >= 0) {
                        return;
                    }
                    surged = surged || !known[key];
                    // One placard per zone: a new surge replaces the zone's older, unacknowledged one.
                    open = open.filter(function (placard) {
                        return placard.zone_id !== alert.zone_id;
                    });
                    open.push(Object.assign({}, alert, {ended: false}));
                });
                open = open.map(function (placard) {
                    return current[placardKey(placard)] ? placard : Object.assign({}, placard, {ended: true});
                });
                // Only alerts still going on need their acknowledgement kept: the next surge has a new "since".
                acknowledged = acknowledged.filter(function (key) {
                    return current[key];
                });
            }
            open.sort(function (a, b) {
                return a.since < b.since ? 1 : a.since > b.since ? -1 : 0;
            });
            var after = {open: open.slice(0, (config && config.max_placards) || 20), acknowledged: acknowledged};
            if (surged && config && config.sound) {
                playAlert(config.sound_url);
            }
            return JSON.stringify(after) === JSON.stringify(before) ? clientside.no_update : after;
        }
    };
}());
