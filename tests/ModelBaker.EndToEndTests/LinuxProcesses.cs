namespace ModelBaker.EndToEndTests;

/// <summary>Process relations read from /proc (Linux): which processes descend from a build.</summary>
public static class LinuxProcesses
{
    /// <summary>Every live process whose chain of parents leads to <paramref name="root"/>.</summary>
    public static List<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (string dir in Directory.GetDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out int pid) && Parent(pid) is int parent) parents[pid] = parent;
        var result = new List<int>();
        foreach (int pid in parents.Keys)
        {
            int current = pid;
            for (int hops = 0; hops < 64 && parents.TryGetValue(current, out int parent); hops++)
            {
                if (parent == root) { result.Add(pid); break; }
                current = parent;
            }
        }
        return result;
    }

    public static bool IsAlive(int pid) => File.Exists($"/proc/{pid}/stat") && !State(pid).StartsWith('Z');

    /// <summary>"1234 R dotnet MSBuild.dll …": for messages.</summary>
    public static string Describe(int pid) => $"{pid} {State(pid)} {CommandLine(pid)}";

    public static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim(); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    /// <summary>Fields after "pid (comm) " in /proc/PID/stat: state, ppid, …</summary>
    private static string[] StatFields(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
        }
        catch (IOException) { return Array.Empty<string>(); }
    }

    private static string State(int pid) => StatFields(pid) is { Length: > 0 } f ? f[0] : "Z";

    private static int? Parent(int pid) => StatFields(pid) is { Length: > 1 } f && int.TryParse(f[1], out int parent) ? parent : null;
}
