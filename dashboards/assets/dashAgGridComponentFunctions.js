// Cell renderers for dash-ag-grid: a plain link from a list to a detail page.
var dagcomponentfuncs = (window.dashAgGridComponentFunctions =
    window.dashAgGridComponentFunctions || {});

// The column's cellRendererParams.hrefField names the row field holding the address.
dagcomponentfuncs.Link = function (props) {
    var href = props.data[props.colDef.cellRendererParams.hrefField];
    if (!href) { return props.value; }
    return React.createElement("a", {href: href, className: "grid-link"}, props.value);
};
