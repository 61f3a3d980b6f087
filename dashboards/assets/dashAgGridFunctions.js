// Value formatters for dash-ag-grid: a cell keeps its raw value (numeric sort, filters),
// the reader sees it formatted by its catalogue unit in the user's language, with the
// rules of formatting.py: "28 451 975", "25,6 %", "31/10/2026" in French.
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

function numberFormat(locale, options) {
    return new Intl.NumberFormat(locale === "fr" ? "fr-FR" : "en-GB", options);
}

function isoDate(value, locale) {
    var iso = String(value).slice(0, 10);
    if (locale !== "fr") { return iso; }
    var parts = iso.split("-");
    return parts[2] + "/" + parts[1] + "/" + parts[0];
}

var DEFAULT_DECIMALS = {amount: 2, rate: 1, days: 0, index: 1, count: 0, number: 2};

dagfuncs.formatValue = function (value, unit, decimals, locale) {
    if (value === null || value === undefined || value === "") { return ""; }
    if (decimals === null || decimals === undefined) { decimals = DEFAULT_DECIMALS[unit]; }
    switch (unit) {
    case "amount": case "days": case "index": case "count": case "number":
        if (typeof value !== "number") { return String(value); }
        return numberFormat(locale, {minimumFractionDigits: decimals,
                                     maximumFractionDigits: decimals}).format(value);
    case "rate":
        if (typeof value !== "number") { return String(value); }
        return numberFormat(locale, {style: "percent", minimumFractionDigits: decimals,
                                     maximumFractionDigits: decimals}).format(value);
    case "date":
        return isoDate(value, locale);
    case "datetime":
        return isoDate(value, locale) + String(value).slice(10, 16);
    case "bool":
        if (locale === "fr") { return value ? "oui" : "non"; }
        return value ? "yes" : "no";
    default:
        return String(value);
    }
};
