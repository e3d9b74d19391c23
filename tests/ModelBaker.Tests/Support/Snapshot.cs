using System.Runtime.CompilerServices;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;

namespace ModelBaker.Tests.Support;

/// <summary>
/// Approved-file snapshots: the text must equal Snapshots/NAME.approved.txt beside the calling test file.
/// On a difference the new text is written to NAME.received.txt and the test fails with a line diff; to accept
/// it, review and rename received → approved.
/// </summary>
public static class Snapshot
{
    public static void Match(string name, string actual, [CallerFilePath] string testFile = "")
    {
        string folder = Path.Combine(Path.GetDirectoryName(testFile)!, "Snapshots");
        string approvedPath = Path.Combine(folder, name + ".approved.txt");
        string receivedPath = Path.Combine(folder, name + ".received.txt");
        string approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).Replace("\r\n", "\n") : "";
        if (approved == actual)
        {
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }
        Directory.CreateDirectory(folder);
        File.WriteAllText(receivedPath, actual);
        Assert.Fail($"Snapshot '{name}' differs from {approvedPath} (received text written to {receivedPath}):\n" + Diff(approved, actual));
    }

    /// <summary>The lines that differ from <paramref name="expected"/> to <paramref name="actual"/> ("- " removed, "+ " added), the first 40.</summary>
    public static string Diff(string expected, string actual) =>
        string.Join("\n", InlineDiffBuilder.Diff(expected, actual).Lines.Where(l => l.Type != ChangeType.Unchanged).Take(40)
            .Select(l => (l.Type == ChangeType.Inserted ? "+ " : l.Type == ChangeType.Deleted ? "- " : "  ") + l.Text));
}
