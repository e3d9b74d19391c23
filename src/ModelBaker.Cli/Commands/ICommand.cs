using System.Collections.Generic;
using System.IO;

namespace ModelBaker.Cli.Commands;

/// <summary>One `modelbaker` subcommand; <see cref="Program"/> parses its options and prints its usage.</summary>
public interface ICommand
{
    string Name { get; }
    /// <summary>What follows the name in usage, e.g. "MODEL.onnx".</summary>
    string ArgumentsSyntax { get; }
    string Summary { get; }
    IReadOnlyList<OptionSpec> Options { get; }

    /// <returns>The process exit code.</returns>
    int Execute(ParsedArguments args, CliContext context);
}

/// <summary>Where a command writes: standard output for results, standard error for warnings and errors.</summary>
public sealed class CliContext
{
    public CliContext(TextWriter output, TextWriter error, bool verbose)
    {
        Out = output;
        Error = error;
        Verbose = verbose;
    }

    public TextWriter Out { get; }
    public TextWriter Error { get; }
    public bool Verbose { get; }
}
