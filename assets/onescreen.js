/* Every view's browser side that is not a view's own.

   dash-renderer records every change of a callback input made in the browser
   (each tick of a refresh Interval) in an undo history that only its undo
   button, never shown here, reads, and that nothing ever trims: a wall or a
   desk left open for weeks would grow by an entry per tick. One timer, set
   once at load, empties it. */
(function () {
    "use strict";

    var TRIM_EVERY_MS = 5000;

    function forgetUndoHistory() {
        (window.dash_stores || []).forEach(function (store) {
            var history = store.getState().history;
            if (history && history.past && history.past.length) {
                history.past.length = 0;
            }
        });
    }

    window.setInterval(forgetUndoHistory, TRIM_EVERY_MS);
})();
