// French for Plotly charts (month and day names, separators, toolbar): graphs opt in with
// config.locale = "fr" (components.graph), so English pages keep the default locale.
(function () {
    var locale = {
        moduleType: "locale",
        name: "fr",
        dictionary: {
            "Autoscale": "Échelle automatique",
            "Box Select": "Sélection rectangulaire",
            "Compare data on hover": "Comparer les données au survol",
            "Double-click to zoom back out": "Double-cliquez pour dézoomer",
            "Download plot as a png": "Télécharger le graphique en PNG",
            "Download plot": "Télécharger le graphique",
            "Lasso Select": "Sélection lasso",
            "Pan": "Translation",
            "Reset axes": "Réinitialiser les axes",
            "Reset view": "Réinitialiser la vue",
            "Show closest data on hover": "Afficher les données les plus proches au survol",
            "Toggle Spike Lines": "Afficher ou masquer les lignes de repère",
            "Zoom": "Zoom",
            "Zoom in": "Zoom avant",
            "Zoom out": "Zoom arrière",
            "trace": "série",
        },
        format: {
            days: ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
            shortDays: ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
            months: ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                     "septembre", "octobre", "novembre", "décembre"],
            shortMonths: ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
                          "sept.", "oct.", "nov.", "déc."],
            date: "%d/%m/%Y",
            decimal: ",",
            thousands: "\u202f",
        },
    };
    // Plotly may load before or after the assets: register now, or queue for its start.
    if (typeof window.Plotly === "undefined") {
        window.PlotlyLocales = window.PlotlyLocales || [];
        window.PlotlyLocales.push(locale);
    } else {
        window.Plotly.register(locale);
    }
}());
