using System.Reflection;
using ModelBaker.Core.Diagnostics;

namespace ModelBaker.Tests.Architecture;

/// <summary>What users read stays true to the code: every error code has its row, with a fix, in docs/errors.md.</summary>
public sealed class DocumentationTests
{
    [Fact]
    public void Every_error_code_has_a_row_with_its_fix_in_docs_errors_md()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "ModelBaker.sln"))) dir = dir.Parent;
        string[] rows = File.ReadAllLines(Path.Combine(dir!.FullName, "docs", "errors.md")).Where(l => l.StartsWith("| MB", StringComparison.Ordinal)).ToArray();
        var codes = typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToList();
        Assert.NotEmpty(codes);
        foreach (string code in codes)
        {
            string? row = rows.FirstOrDefault(r => r.StartsWith($"| {code} ", StringComparison.Ordinal));
            Assert.True(row != null, $"{code} has no row in docs/errors.md.");
            var cells = row!.Split('|', StringSplitOptions.TrimEntries).Where(c => c.Length > 0).ToArray();
            Assert.True(cells.Length >= 3 && cells[2].Length > 1, $"{code}'s row in docs/errors.md gives no fix.");
        }
    }
}
