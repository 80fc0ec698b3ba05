namespace Serval.Symbolic;

/// <summary>
/// Where a check sits in the program under verification: a program counter and/or a source position, filled in by
/// the interpreter (for example from DWARF line tables). Opaque to the evaluator, printed in reports.
/// </summary>
/// <param name="ProgramCounter">The machine address of the instruction, if any.</param>
/// <param name="File">The source file, if known.</param>
/// <param name="Line">The source line (0 when unknown).</param>
/// <param name="Detail">Anything else worth printing (function name, instruction text).</param>
public sealed record Location(ulong? ProgramCounter = null, string? File = null, int Line = 0, string? Detail = null)
{
    /// <inheritdoc />
    public override string ToString()
    {
        var parts = new List<string>(3);
        if (ProgramCounter is { } pc)
        {
            parts.Add($"pc 0x{pc:x}");
        }
        if (File is not null)
        {
            parts.Add(Line > 0 ? $"{File}:{Line}" : File);
        }
        if (Detail is not null)
        {
            parts.Add(Detail);
        }
        return parts.Count == 0 ? "unknown location" : string.Join(", ", parts);
    }
}

/// <summary>
/// A recorded assertion: <see cref="Condition"/> must hold. It already includes the path condition under which it
/// was made (<c>pc ⇒ φ</c>).
/// </summary>
/// <param name="Condition">The guarded condition.</param>
/// <param name="Message">What the assertion checks, or the bug it rules out.</param>
/// <param name="Location">The interpreter's location (program counter, source line), if any.</param>
/// <param name="CallerFile">The C# file that made the assertion.</param>
/// <param name="CallerLine">The C# line that made the assertion.</param>
public sealed record Assertion(Bool Condition, string Message, Location? Location, string CallerFile, int CallerLine)
{
    /// <inheritdoc />
    public override string ToString() =>
        Location is null ? $"{Message} (at {Path.GetFileName(CallerFile)}:{CallerLine})" : $"{Message} at {Location}";
}
