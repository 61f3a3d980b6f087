// Clientside callbacks (components.register_callbacks).
window.dash_clientside = window.dash_clientside || {};
window.dash_clientside.scoreboard = {
    // The "Columns" chooser: show the ticked columns, hide the others (pinned key
    // columns and link targets are not in the chooser and keep their state).
    showColumns: function (visible, columnDefs) {
        var shown = new Set(visible || []);
        return (columnDefs || []).map(function (column) {
            if (!column.context || !column.context.choosable) { return column; }
            return Object.assign({}, column, {hide: !shown.has(column.field)});
        });
    },
};
