using System.Numerics;

namespace Popcorn.Emulation.AArch64;

/// <summary>
/// Table-driven A64 decoder. Each row of <see cref="A64DecodeTable"/> is a 32-character bit pattern from the
/// Arm ARM (<c>0</c>, <c>1</c>, <c>x</c> for "any"), compiled here to a mask and value; rows are bucketed by the
/// major opcode bits 28:25 and tried most specific first. Decoding never throws: an unmatched or unallocated word
/// becomes <see cref="A64Op.Unknown"/> carrying the word in <see cref="A64Instruction.Imm"/>.
/// </summary>
internal static class A64Decoder
{
    private readonly record struct Row(uint Mask, uint Value, A64Op Op, A64DecodeTable.Build Build);

    private static readonly Row[][] Buckets = Compile();

    /// <summary>Decodes <paramref name="word"/>, fetched from address <paramref name="pc"/>.</summary>
    public static A64Instruction Decode(uint word, ulong pc)
    {
        foreach (var row in Buckets[(word >> 25) & 0xF])
        {
            if ((word & row.Mask) != row.Value)
            {
                continue;
            }
            var instruction = new A64Instruction { Op = row.Op };
            if (row.Build(word, pc, ref instruction))
            {
                return instruction;
            }
            break;
        }
        return Unknown(word);
    }

    /// <summary>The instruction that stops the thread, naming <paramref name="word"/>.</summary>
    public static A64Instruction Unknown(uint word) => new() { Op = A64Op.Unknown, Imm = word };

    private static Row[][] Compile()
    {
        var rows = new List<Row>();
        foreach (var (pattern, op, build) in A64DecodeTable.Rows())
        {
            var (mask, value) = CompilePattern(pattern);
            rows.Add(new Row(mask, value, op, build));
        }
        var buckets = new Row[16][];
        for (uint major = 0; major < 16; major++)
        {
            buckets[major] = [.. rows
                .Where(r => ((major << 25) & r.Mask) == (r.Value & (0xFu << 25)))
                .OrderByDescending(r => BitOperations.PopCount(r.Mask))];
        }
        return buckets;
    }

    /// <summary>Compiles a manual-style pattern (spaces allowed) to a mask and value.</summary>
    public static (uint Mask, uint Value) CompilePattern(string pattern)
    {
        uint mask = 0, value = 0;
        var bits = 0;
        foreach (var c in pattern)
        {
            if (c == ' ' || c == '_')
            {
                continue;
            }
            mask <<= 1;
            value <<= 1;
            switch (c)
            {
                case '0': mask |= 1; break;
                case '1': mask |= 1; value |= 1; break;
                case 'x': break;
                default: throw new ArgumentException($"bad character '{c}' in decode pattern {pattern}", nameof(pattern));
            }
            bits++;
        }
        return bits == 32 ? (mask, value) : throw new ArgumentException($"decode pattern {pattern} has {bits} bits, not 32", nameof(pattern));
    }

    /// <summary>
    /// The manual's DecodeBitMasks: the (wmask, tmask) pair of a logical immediate or bitfield operation;
    /// false when the encoding is reserved.
    /// </summary>
    public static bool DecodeBitMasks(uint n, uint imms, uint immr, bool immediate, int dataSize, out ulong wmask, out ulong tmask)
    {
        wmask = tmask = 0;
        var combined = (n << 6) | (~imms & 0x3F);
        if (combined == 0)
        {
            return false;
        }
        var len = 31 - BitOperations.LeadingZeroCount(combined);
        if (len < 1 || (1 << len) > dataSize)
        {
            return false;
        }
        var levels = (uint)((1 << len) - 1);
        if (immediate && (imms & levels) == levels)
        {
            return false;
        }
        var s = (int)(imms & levels);
        var r = (int)(immr & levels);
        var diff = (s - r) & (int)levels;
        var esize = 1 << len;
        var welem = Ones(s + 1);
        var telem = Ones(diff + 1);
        welem = RotateRight(welem, r, esize);
        wmask = Replicate(welem, esize, dataSize);
        tmask = Replicate(telem, esize, dataSize);
        return true;
    }

    private static ulong Ones(int count) => count >= 64 ? ulong.MaxValue : (1UL << count) - 1;

    private static ulong RotateRight(ulong value, int amount, int width)
    {
        if (amount == 0)
        {
            return value;
        }
        var mask = Ones(width);
        return ((value >> amount) | (value << (width - amount))) & mask;
    }

    private static ulong Replicate(ulong element, int esize, int dataSize)
    {
        var result = 0UL;
        for (var i = 0; i < dataSize; i += esize)
        {
            result |= element << i;
        }
        return result;
    }
}
