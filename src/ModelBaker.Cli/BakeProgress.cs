using System;
using System.IO;
using ModelBaker.Cli.Commands;
using ModelBaker.Core.Diagnostics;
using Spectre.Console;

namespace ModelBaker.Cli;

/// <summary>
/// Runs a bake with the console log; in a terminal, a spinner line under the log shows what the bake is doing now
/// (a bake with reconstruction or distillation can take minutes). Redirected output gets the plain log only.
/// </summary>
public static class BakeProgress
{
    /// <param name="infoWriter">Where progress lines go when not in a terminal (standard output unless given).</param>
    public static T Run<T>(CliContext context, Func<IBakeLog, T> bake, TextWriter? infoWriter = null)
    {
        if (!context.Interactive) return bake(new ConsoleBakeLog(infoWriter ?? context.Out, context.Error));
        return AnsiConsole.Status().Spinner(Spinner.Known.Line).Start("Reading the model…", status =>
            bake(new ConsoleBakeLog(line =>
            {
                // Lines written through AnsiConsole stay above the live status line instead of tearing it.
                AnsiConsole.WriteLine(line);
                status.Status(Markup.Escape(line));
            }, context.Error)));
    }
}
