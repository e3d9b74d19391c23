using System;

namespace ModelBaker.Cli;

/// <summary>A command line the user got wrong: exit code 2, and the command's help unless only a value was bad.</summary>
public sealed class UsageException : Exception
{
    public UsageException(string message, string? code = null, bool showUsage = true) : base(message)
    {
        Code = code;
        ShowUsage = showUsage;
    }

    /// <summary>The MB12xx code when the same mistake in a CompressedModel item has one (e.g. MB1201 for sparsity).</summary>
    public string? Code { get; }
    public bool ShowUsage { get; }
}
