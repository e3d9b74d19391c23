using System.CommandLine;
using System.IO;

namespace ModelBaker.Cli.Commands;

/// <summary>One `modelbaker` subcommand: its System.CommandLine definition (arguments, options, help) and what it does.</summary>
public interface ICommand
{
    /// <summary>The command as System.CommandLine parses and documents it.</summary>
    Command Definition { get; }

    /// <returns>The process exit code.</returns>
    int Execute(ParseResult parsed, CliContext context);
}

/// <summary>Where a command writes: standard output for results, standard error for warnings and errors.</summary>
public sealed class CliContext
{
    public CliContext(TextWriter output, TextWriter error, bool verbose, bool interactive = false)
    {
        Out = output;
        Error = error;
        Verbose = verbose;
        Interactive = interactive;
    }

    public TextWriter Out { get; }
    public TextWriter Error { get; }
    public bool Verbose { get; }
    /// <summary>Output goes to a terminal (not redirected): long bakes show a live status line.</summary>
    public bool Interactive { get; }
}
