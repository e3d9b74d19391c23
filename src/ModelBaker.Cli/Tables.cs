using System.IO;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ModelBaker.Cli;

/// <summary>
/// Spectre.Console tables written as plain text: no colours or escape codes, ASCII rules, never wrapped (output goes
/// to files and CI logs as often as to a terminal, and must read the same everywhere).
/// </summary>
public static class Tables
{
    /// <summary>A table with these columns; a title starting with '>' is right-aligned (numbers), the '>' not shown.</summary>
    public static Table Create(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Ascii2).HideRowSeparators();
        foreach (string title in columns)
        {
            bool right = title.StartsWith('>');
            table.AddColumn(new TableColumn(Markup.Escape(right ? title.Substring(1) : title)) { Alignment = right ? Justify.Right : Justify.Left, NoWrap = true });
        }
        return table;
    }

    /// <summary>Adds a row of plain text cells (no markup is interpreted: model names may hold '[' and ']').</summary>
    public static Table Row(this Table table, params string[] cells)
    {
        var texts = new IRenderable[cells.Length];
        for (int i = 0; i < cells.Length; i++) texts[i] = new Text(cells[i]);
        return table.AddRow(texts);
    }

    /// <summary>A footer under the rows (totals), one cell per column.</summary>
    public static Table Footer(this Table table, params string[] cells)
    {
        for (int i = 0; i < cells.Length; i++) table.Columns[i].Footer = new Text(cells[i]);
        return table;
    }

    public static void Write(TextWriter writer, IRenderable table)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 1000;
        console.Write(table);
    }
}
