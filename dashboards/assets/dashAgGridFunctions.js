// Value formatters for dash-ag-grid: the cell keeps its raw number (numeric sort),
// the reader sees it in the dashboard's locale ("en" or "fr", see formatting.py).
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

dagfuncs.formatNumber = function (value, locale, decimals) {
    if (value === null || value === undefined || value === "") { return ""; }
    return new Intl.NumberFormat(locale === "fr" ? "fr-FR" : "en-GB", {
        minimumFractionDigits: decimals, maximumFractionDigits: decimals,
    }).format(value);
};

dagfuncs.formatPercent = function (value, locale) {
    if (value === null || value === undefined || value === "") { return ""; }
    return new Intl.NumberFormat(locale === "fr" ? "fr-FR" : "en-GB", {
        style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1,
    }).format(value);
};

dagfuncs.formatDate = function (value, locale) {
    if (!value) { return ""; }
    var iso = String(value).slice(0, 10);
    if (locale !== "fr") { return iso; }
    var parts = iso.split("-");
    return parts[2] + "/" + parts[1] + "/" + parts[0];
};
