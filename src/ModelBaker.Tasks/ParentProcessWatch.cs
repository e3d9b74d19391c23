using System;
using System.Globalization;
using System.IO;
using System.Threading;

namespace ModelBaker.Tasks;

/// <summary>
/// Ends this process when the build that started it is gone. ModelBaker's task runs in a task host of its own
/// (TaskHostFactory); killed mid-bake, `dotnet build` used to leave that host computing on for minutes. A long bake
/// cannot stop midway, so the host checks every second that its parent still lives and exits when it does not. Linux
/// only (it reads /proc, where a process whose parent died is re-parented); elsewhere this does nothing.
/// </summary>
internal sealed class ParentProcessWatch : IDisposable
{
    private readonly Timer? _timer;
    private readonly int _parent;

    public ParentProcessWatch()
    {
        _parent = ParentId("/proc/self/stat");
        if (_parent <= 1) return;
        _timer = new Timer(_ => Check(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    private void Check()
    {
        if (ParentId("/proc/self/stat") == _parent) return;
        // The build is gone: nobody will read this bake's result, and nothing half-written stays (plans are written
        // atomically), so stop now rather than burn the machine's cores.
        Environment.Exit(1);
    }

    /// <summary>The parent process id from /proc/PID/stat ("pid (comm) state ppid …"; comm may hold spaces), 0 when unknown.</summary>
    internal static int ParentId(string statPath)
    {
        try
        {
            string stat = File.ReadAllText(statPath);
            string[] fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is FormatException || e is IndexOutOfRangeException || e is ArgumentOutOfRangeException)
        {
            return 0;
        }
    }

    public void Dispose() => _timer?.Dispose();
}
