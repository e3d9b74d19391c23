using System;
using System.IO;
using Microsoft.Build.Framework;

namespace ModelBaker.Tasks;

/// <summary>
/// Where a CompressedModel item is written, so an error is shown on its line of the project file (clickable in
/// an IDE and in `dotnet build` output) rather than on the task. MSBuild does not tell a task an item's line, so
/// this finds the first line of the defining project that holds the item's Include text: best effort, line 0
/// (the file alone) when it cannot tell, e.g. for wildcards.
/// </summary>
public sealed class ItemLocation
{
    private ItemLocation(string file, int line)
    {
        File = file;
        Line = line;
    }

    public string File { get; }
    public int Line { get; }

    public static ItemLocation Of(ITaskItem item, string fallbackProject)
    {
        string project = item.GetMetadata("DefiningProjectFullPath");
        if (string.IsNullOrEmpty(project)) project = fallbackProject;
        return new ItemLocation(project, FindLine(project, item.ItemSpec));
    }

    private static int FindLine(string project, string include)
    {
        try
        {
            if (!System.IO.File.Exists(project)) return 0;
            string[] candidates = { include, include.Replace('\\', '/'), include.Replace('/', '\\') };
            string[] lines = System.IO.File.ReadAllLines(project);
            // Prefer the line with the item element itself, then any line that mentions the path.
            for (int pass = 0; pass < 2; pass++)
                for (int i = 0; i < lines.Length; i++)
                    if ((pass == 1 || lines[i].IndexOf("CompressedModel", StringComparison.Ordinal) >= 0)
                        && Array.Exists(candidates, c => lines[i].IndexOf(c, StringComparison.OrdinalIgnoreCase) >= 0))
                        return i + 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The location is a courtesy: without it the error still names the item.
        }
        return 0;
    }
}
