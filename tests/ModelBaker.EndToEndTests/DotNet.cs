using System.Diagnostics;
using System.Text;

namespace ModelBaker.EndToEndTests;

/// <summary>Runs the `dotnet` CLI as a user would, with a timeout, capturing everything it prints.</summary>
public static class DotNet
{
    public sealed record Result(int ExitCode, string Output, string CommandLine)
    {
        /// <summary>For assertion messages: what ran and what it said.</summary>
        public override string ToString() => $"`{CommandLine}` exited {ExitCode}:\n{Output}";
    }

    public static Result Run(string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] arguments)
    {
        var start = StartInfo(workingDirectory, environment, arguments);
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        string commandLine = "dotnet " + string.Join(" ", arguments);
        if (!process.WaitForExit((int)timeout.TotalMilliseconds))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"`{commandLine}` in {workingDirectory} did not finish within {timeout}. Output so far:\n{output}");
        }
        process.WaitForExit(); // flushes the asynchronous readers
        lock (output) return new Result(process.ExitCode, output.ToString(), commandLine);
    }

    /// <summary>Starts the command and returns at once, its output discarded: for tests that stop it themselves.</summary>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var process = new Process { StartInfo = StartInfo(workingDirectory, environment, arguments) };
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static ProcessStartInfo StartInfo(string workingDirectory, IReadOnlyDictionary<string, string> environment, string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);

        // `dotnet test` leaves MSBuild's variables (MSBuildExtensionsPath, MSBUILD_EXE_PATH, …) in the test host's
        // environment; a nested build that inherits them can pick the wrong SDK files. Start it as from a shell.
        foreach (var name in start.Environment.Keys.ToList())
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
                start.Environment.Remove(name);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // No MSBuild nodes or compiler servers outliving the command: they would hold our output pipes open.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        foreach (var (name, value) in environment) start.Environment[name] = value;
        return start;
    }
}
