using System;
using System.IO;
using ModelBaker.Core.Diagnostics;

namespace ModelBaker.Cli;

/// <summary>The bake's progress on standard output, its warnings on standard error in MSBuild's "warning CODE: text" form.</summary>
public sealed class ConsoleBakeLog : IBakeLog
{
    private readonly Action<string> _info;
    private readonly TextWriter _error;

    public ConsoleBakeLog(TextWriter output, TextWriter error) : this(output.WriteLine, error)
    {
    }

    /// <param name="info">Writes one progress line (in a terminal, through Spectre.Console's live display).</param>
    public ConsoleBakeLog(Action<string> info, TextWriter error)
    {
        _info = info;
        _error = error;
    }

    public int Warnings { get; private set; }

    public void Info(string message) => _info(message);

    public void Warning(string code, string message)
    {
        Warnings++;
        _error.WriteLine($"warning {code}: {message}");
    }
}
