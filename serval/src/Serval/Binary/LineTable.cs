using System.Buffers.Binary;
using System.Text;
using Systems.Dwarf;

namespace Serval.Binary;

/// <summary>A source position: file name and line.</summary>
/// <param name="File">The source file (as the compiler named it, without directory).</param>
/// <param name="Line">The 1-based line.</param>
public readonly record struct SourceLine(string File, int Line)
{
    /// <inheritdoc />
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>The DWARF (versions 2–4) line-number table: which source line each instruction address came from.</summary>
public sealed class LineTable
{
    private readonly ulong[] _addresses;
    private readonly SourceLine?[] _lines;

    private LineTable(List<(ulong Address, SourceLine? Line)> rows)
    {
        // At an address where one sequence ends and the next begins, the end row sorts first.
        rows = [.. rows.OrderBy(r => r.Address).ThenBy(r => r.Line is null ? 0 : 1)];
        _addresses = [.. rows.Select(r => r.Address)];
        _lines = [.. rows.Select(r => r.Line)];
    }

    /// <summary>A table with no rows.</summary>
    public static LineTable Empty { get; } = new([]);

    /// <summary>The source line of the instruction at <paramref name="address"/>, if the table covers it.</summary>
    public SourceLine? Lookup(ulong address)
    {
        var index = Array.BinarySearch(_addresses, address);
        if (index < 0)
        {
            index = ~index - 1;
        }
        while (index >= 0 && index + 1 < _addresses.Length && _addresses[index + 1] == _addresses[index])
        {
            index++;
        }
        return index >= 0 ? _lines[index] : null;
    }

    /// <summary>Parses a <c>.debug_line</c> section.</summary>
    /// <exception cref="BadElfException">The section is malformed or uses DWARF 5.</exception>
    public static LineTable Parse(byte[] section, string path)
    {
        var rows = new List<(ulong, SourceLine?)>();
        var at = 0;
        while (at + 4 <= section.Length)
        {
            var unitLength = BinaryPrimitives.ReadUInt32LittleEndian(section.AsSpan(at));
            if (unitLength < 2 || unitLength >= 0xFFFFFFF0 || unitLength > (uint)(section.Length - at - 4))
            {
                throw new BadElfException($"{path}: .debug_line has a unit past the section's end (or 64-bit DWARF).");
            }
            var unitEnd = at + 4 + (int)unitLength;
            var version = BinaryPrimitives.ReadUInt16LittleEndian(section.AsSpan(at + 4));
            if (version is < 2 or > 4)
            {
                throw new BadElfException($"{path}: DWARF line table version {version} is not supported; build with -gdwarf-4.");
            }
            try
            {
                ParseUnit(section, at + 6, unitEnd, version, rows);
            }
            catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or OverflowException)
            {
                throw new BadElfException($"{path}: .debug_line unit at 0x{at:x} is malformed (it reads past its end).");
            }
            at = unitEnd;
        }
        return new LineTable(rows);
    }

    private static void ParseUnit(byte[] s, int at, int end, int version, List<(ulong, SourceLine?)> rows)
    {
        var headerLength = BinaryPrimitives.ReadUInt32LittleEndian(s.AsSpan(at));
        var program = at + 4 + (int)headerLength;
        at += 4;
        var minLength = s[at++];
        if (version >= 4)
        {
            at++; // maximum operations per instruction
        }
        at++; // default_is_stmt
        var lineBase = (sbyte)s[at++];
        var lineRange = s[at++];
        if (lineRange == 0)
        {
            throw new ArgumentException("line_range 0");
        }
        var opcodeBase = s[at++];
        var standardLengths = s.AsSpan(at, opcodeBase - 1).ToArray();
        at += opcodeBase - 1;
        while (s[at] != 0)
        {
            at = SkipString(s, at);
        }
        at++;
        var files = new List<string> { "?" };
        while (s[at] != 0)
        {
            var nameEnd = Array.IndexOf(s, (byte)0, at);
            files.Add(Encoding.UTF8.GetString(s, at, nameEnd - at));
            at = nameEnd + 1;
            Leb128.ReadUnsigned(s, ref at);
            Leb128.ReadUnsigned(s, ref at);
            Leb128.ReadUnsigned(s, ref at);
        }
        at = program;
        ulong address = 0;
        int file = 1, line = 1;
        void Emit() => rows.Add((address, new SourceLine(file < files.Count ? System.IO.Path.GetFileName(files[file]) : "?", line)));
        while (at < end)
        {
            var opcode = s[at++];
            if (opcode >= opcodeBase)
            {
                var adjusted = opcode - opcodeBase;
                address += (ulong)(adjusted / lineRange * minLength);
                line += lineBase + (adjusted % lineRange);
                Emit();
                continue;
            }
            switch (opcode)
            {
                case 0:
                    var length = Leb128.ReadUnsigned(s, ref at);
                    if (length == 0 || length > (ulong)(end - at))
                    {
                        throw new ArgumentOutOfRangeException(nameof(s), "extended opcode past the unit's end");
                    }
                    var sub = s[at];
                    if (sub == 1)
                    {
                        rows.Add((address, null));
                        address = 0;
                        file = 1;
                        line = 1;
                    }
                    else if (sub == 2)
                    {
                        address = length == 9 ? BinaryPrimitives.ReadUInt64LittleEndian(s.AsSpan(at + 1))
                            : BinaryPrimitives.ReadUInt32LittleEndian(s.AsSpan(at + 1));
                    }
                    at += (int)length;
                    break;
                case 1:
                    Emit();
                    break;
                case 2:
                    address += Leb128.ReadUnsigned(s, ref at) * minLength;
                    break;
                case 3:
                    line += (int)Leb128.ReadSigned(s, ref at);
                    break;
                case 4:
                    file = (int)Leb128.ReadUnsigned(s, ref at);
                    break;
                case 8:
                    address += (ulong)((255 - opcodeBase) / lineRange * minLength);
                    break;
                case 9:
                    address += BinaryPrimitives.ReadUInt16LittleEndian(s.AsSpan(at));
                    at += 2;
                    break;
                default:
                    for (var i = 0; i < standardLengths[opcode - 1]; i++)
                    {
                        Leb128.ReadUnsigned(s, ref at);
                    }
                    break;
            }
        }
    }

    private static int SkipString(byte[] s, int at) => Array.IndexOf(s, (byte)0, at) + 1;
}
