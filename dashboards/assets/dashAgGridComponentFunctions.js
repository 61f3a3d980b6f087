// Cell renderers for dash-ag-grid: a link from a list to a detail page.
var dagcomponentfuncs = (window.dashAgGridComponentFunctions =
    window.dashAgGridComponentFunctions || {});

// The column's cellRendererParams.hrefField names the row field holding the address.
// A plain click navigates inside the app, as dcc.Link does (no page reload), and starts
// the new page at its top; a click with a modifier opens a tab as usual.
dagcomponentfuncs.Link = function (props) {
    var href = props.data[props.colDef.cellRendererParams.hrefField];
    var text = props.valueFormatted !== undefined && props.valueFormatted !== null
        ? props.valueFormatted : props.value;
    if (!href) { return text; }
    function navigate(event) {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
        event.preventDefault();
        window.history.pushState({}, "", href);
        window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
        window.scrollTo(0, 0);
    }
    return React.createElement("a", {href: href, className: "grid-link", onClick: navigate},
                               text);
};
