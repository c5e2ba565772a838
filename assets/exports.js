/* The export menus (components/export_menu.py) are <details>: open one and it stays open.
   A click anywhere else, or on one of its links (the download goes on), closes it, as a
   menu would; two menus are never open at once. */
(function () {
    "use strict";

    document.addEventListener("click", function (event) {
        document.querySelectorAll("details.export-menu[open]").forEach(function (menu) {
            if (!menu.contains(event.target) || event.target.closest(".export-menu__link")) {
                menu.removeAttribute("open");
            }
        });
    });
})();
