using System;

namespace ModelBaker.Core.Diagnostics;

/// <summary>
/// A user-facing failure with a stable code (see docs/errors.md). The message says what is wrong and how
/// to fix it; the MSBuild task logs it against the CompressedModel item, the CLI prints it.
/// </summary>
public sealed class BakeException : Exception
{
    public BakeException(string code, string message) : base(message) => Code = code;

    public string Code { get; }

    public override string ToString() => $"{Code}: {Message}";
}
