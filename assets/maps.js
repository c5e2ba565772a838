/* OneScreen's map functions (components/area_map.py), written by hand and served from assets/.
 *
 * dash-leaflet calls them by name (dash_extensions.javascript.Namespace("onescreenMaps")).
 * Colours, labels and radii come from the server in each layer's `hideout` or in
 * a feature's properties, so a restyle (a new indicator, a refresh) sends only
 * the hideout and never the geometry again. Text from the database is set with
 * textContent, never as HTML.
 */
window.onescreenMaps = Object.assign({}, window.onescreenMaps, {
    /* Area polygons (the basemap): fill from hideout.colours[code], else the neutral fill. */
    areaStyle: function (feature, context) {
        const hideout = context.hideout || {};
        const colour = (hideout.colours || {})[feature.properties.code];
        return {
            color: hideout.line,
            weight: hideout.weight || 1.2,
            opacity: 0.9,
            fillColor: colour || hideout.neutral,
            fillOpacity: colour ? hideout.fillOpacity : hideout.neutralOpacity,
        };
    },

    /* An area without a boundary, drawn at its centre point, styled like a polygon. */
    areaPoint: function (feature, latlng, context) {
        const hideout = context.hideout || {};
        return L.circleMarker(latlng, {radius: hideout.pointRadius || 10});
    },

    /* Tooltip of an area: its name, then the value line the server wrote for it.
       Permanent labels (a wall has no mouse) may leave the value out and sit above the
       area's centre, where another layer draws a dot (hideout.labelValues / labelAbove). */
    areaTooltip: function (feature, layer, context) {
        const hideout = context.hideout || {};
        const permanent = !!hideout.permanent;
        const lines = [feature.properties.name];
        const value = (hideout.labels || {})[feature.properties.code];
        if (value && (!permanent || hideout.labelValues !== false)) {
            lines.push(value);
        }
        // A permanent label is read from afar: no hint; the card says what a click does.
        if (hideout.hint && !permanent) {
            lines.push(hideout.hint);
        }
        layer.bindTooltip(window.onescreenMaps.textNode(lines), {
            sticky: !permanent,
            permanent: permanent,
            direction: permanent ? (hideout.labelAbove ? "top" : "center") : "auto",
            offset: permanent && hideout.labelAbove ? [0, -hideout.labelAbove] : [0, 0],
            className: permanent ? "map-label" : "map-tooltip",
        });
    },

    /* Crowd zones: polygons and their centre markers, coloured by load class (hideout.colours[zone_id]). */
    zoneStyle: function (feature, context) {
        const hideout = context.hideout || {};
        const colour = (hideout.colours || {})[feature.properties.id] || hideout.neutral;
        return {color: colour, weight: 2.5, opacity: 1, fillColor: colour, fillOpacity: 0.2};
    },

    zonePoint: function (feature, latlng, context) {
        const hideout = context.hideout || {};
        return L.circleMarker(latlng, {radius: hideout.pointRadius || 7, fillOpacity: 0.95});
    },

    /* A zone over capacity is named where it is, above its centre marker, by a label that stays
       (hideout.alarms[zone_id]: name and load): a director must see which zone without a mouse. */
    zoneTooltip: function (feature, layer, context) {
        const hideout = context.hideout || {};
        const alarm = (hideout.alarms || {})[feature.properties.id];
        if (alarm && feature.geometry.type === "Point") {
            layer.bindTooltip(window.onescreenMaps.textNode([alarm]), {
                permanent: true,
                direction: "top",
                offset: [0, -(hideout.pointRadius || 7)],
                className: "map-label map-label--alarm",
            });
            return;
        }
        const lines = [feature.properties.name];
        const value = (hideout.labels || {})[feature.properties.id];
        if (value) {
            lines.push(value);
        }
        layer.bindTooltip(window.onescreenMaps.textNode(lines), {sticky: true, className: "map-tooltip"});
    },

    /* Heat cells: a point per cell, drawn as the square it sums (hideout.half: half a cell, in degrees). */
    heatCell: function (feature, latlng, context) {
        const hideout = context.hideout || {};
        const half = hideout.half || 0.001;
        const colour = (hideout.colours || [])[feature.properties.c];
        return L.rectangle(
            [[latlng.lat - half, latlng.lng - half], [latlng.lat + half, latlng.lng + half]],
            {stroke: false, fillColor: colour, fillOpacity: hideout.fillOpacity || 0.6, interactive: true}
        );
    },

    /* Markers whose colour class (properties.s) and radius (properties.r) the server chose:
       worker positions, and worker counts drawn at area centres. */
    classMarker: function (feature, latlng, context) {
        const hideout = context.hideout || {};
        const colour = (hideout.colours || {})[feature.properties.s] || hideout.neutral;
        return L.circleMarker(latlng, {
            radius: feature.properties.r || hideout.radius || 6,
            color: hideout.line || colour,
            weight: hideout.weight || 1,
            fillColor: colour,
            fillOpacity: hideout.fillOpacity || 0.9,
        });
    },

    /* Tooltip of a worker's dot: name and id (with the personal-data permission), state and last ping.
       Per-area counts carry their own text (properties.t). */
    workerTooltip: function (feature, layer, context) {
        const p = feature.properties;
        if (p.t) {
            window.onescreenMaps.textTooltip(feature, layer, context);
            return;
        }
        const hideout = context.hideout || {};
        const state = (hideout.states || {})[p.s] || p.s;
        const seen = state + " · " + hideout.lastPing + " " + (p.p || "");
        // Without the personal-data permission a dot carries no name or id: its state is all it says.
        const lines = p.id === undefined ? [seen] : [p.n + " (" + p.id + ")", seen];
        layer.bindTooltip(window.onescreenMaps.textNode(lines), {sticky: true, className: "map-tooltip"});
    },

    /* Tooltip from the feature's own text (properties.t, lines separated by newlines). */
    textTooltip: function (feature, layer, context) {
        if (feature.properties.t) {
            layer.bindTooltip(
                window.onescreenMaps.textNode(String(feature.properties.t).split("\n")),
                {sticky: true, className: "map-tooltip"}
            );
        }
    },

    textNode: function (lines) {
        const node = document.createElement("div");
        lines.forEach(function (line, index) {
            const row = document.createElement("div");
            row.textContent = line;
            if (index === 0) {
                row.className = "map-tooltip__title";
            }
            node.appendChild(row);
        });
        return node;
    },
});

/* The replay slider's tooltip: seconds since midnight as the clock time (dcc.Slider tooltip.transform). */
window.dccFunctions = Object.assign({}, window.dccFunctions, {
    clockOfSeconds: function (seconds) {
        const minutes = Math.floor(Number(seconds) / 60);
        const pad = function (n) { return String(n).padStart(2, "0"); };
        return pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60);
    },
});

/* Leaflet measures its container when the map is made and after that only on a window resize. A
   map's box also changes when what shares its card settles (the replay slider's marks arrive with
   the first data, after the view was fitted), and a view fitted to the old size runs past the new
   edge: the bottom zone is cut. So every map follows its container's size, and a view the server
   fitted (viewport transition fitBounds) is fitted again, until someone moves the map by hand. */
L.Map.addInitHook(function () {
    const map = this;
    const container = map.getContainer();
    const fitBounds = map.fitBounds;
    let fitted = null;
    map.fitBounds = function (bounds, options) {
        fitted = {bounds: bounds, options: Object.assign({}, options, {animate: false})};
        return fitBounds.call(map, bounds, options);
    };
    ["pointerdown", "wheel", "keydown"].forEach(function (type) {
        container.addEventListener(type, function () { fitted = null; }, {passive: true});
    });
    const observer = new ResizeObserver(function () {
        // A hidden map (a wall view rotated away) has no size to fit to; it is fitted when shown again.
        if (!container.clientWidth || !container.clientHeight) {
            return;
        }
        map.invalidateSize({pan: false});
        if (fitted) {
            fitBounds.call(map, fitted.bounds, fitted.options);
        }
    });
    observer.observe(container);
    map.on("unload", function () { observer.disconnect(); });
});
