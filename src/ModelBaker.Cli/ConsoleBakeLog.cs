using System.IO;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Diagnostics;

namespace ModelBaker.Cli;

/// <summary>The bake's progress on standard output, its warnings on standard error in MSBuild's "warning CODE: text" form.</summary>
public sealed class ConsoleBakeLog : IBakeLog
{
    private readonly TextWriter _out;
    private readonly TextWriter _error;

    public ConsoleBakeLog(TextWriter output, TextWriter error)
    {
        _out = output;
        _error = error;
    }

    public int Warnings { get; private set; }

    public void Info(string message) => _out.WriteLine(message);

    public void Warning(string code, string message)
    {
        Warnings++;
        _error.WriteLine($"warning {code}: {message}");
    }
}
