using System.Buffers.Binary;

namespace Popcorn.Migration;

/// <summary>Where a stack map location keeps its value (LLVM's <c>StackMaps.rst</c>, version 3).</summary>
public enum LocationType : byte
{
    /// <summary>In a register.</summary>
    Register = 1,

    /// <summary>The value is the address <c>reg + offset</c> (a stack allocation).</summary>
    Direct = 2,

    /// <summary>In memory at <c>reg + offset</c> (a spill slot).</summary>
    Indirect = 3,

    /// <summary>A small constant in the offset field.</summary>
    Constant = 4,

    /// <summary>A constant from the section's constant pool.</summary>
    ConstantIndex = 5,
}

/// <summary>One location of a stack map record; <see cref="Register"/> is a DWARF register number.</summary>
/// <param name="Type">Register, Direct, Indirect or a constant.</param>
/// <param name="Size">Bytes the location holds.</param>
/// <param name="Register">The register holding the value, or the base register.</param>
/// <param name="Offset">The offset from the base register, or the constant (resolved for <see cref="LocationType.ConstantIndex"/>).</param>
public readonly record struct StackMapLocation(LocationType Type, int Size, int Register, long Offset);

/// <summary>One <c>llvm.experimental.stackmap</c> record: its ID, where it is, and its locations.</summary>
/// <param name="Id">The ID operand.</param>
/// <param name="Address">The absolute address of the instruction that follows the stack map.</param>
/// <param name="Locations">The operands' locations, in operand order.</param>
public sealed record StackMapRecord(ulong Id, ulong Address, IReadOnlyList<StackMapLocation> Locations);

/// <summary>One function of a stack map section with its fixed frame size and records.</summary>
/// <param name="Address">The function's address.</param>
/// <param name="StackSize">Its fixed frame size in bytes.</param>
/// <param name="Records">Its records.</param>
public sealed record StackMapFunction(ulong Address, ulong StackSize, IReadOnlyList<StackMapRecord> Records);

/// <summary>Parses linked <c>.llvm_stackmaps</c> sections (several version-3 tables back to back, one per object).</summary>
public static class StackMapSection
{
    /// <summary>Every function of every table in <paramref name="data"/>.</summary>
    /// <exception cref="InvalidDataException">Not a version-3 stack map section, or truncated.</exception>
    public static IReadOnlyList<StackMapFunction> Parse(ReadOnlySpan<byte> data)
    {
        var functions = new List<StackMapFunction>();
        var at = 0;
        while (at < data.Length)
        {
            if (data.Length - at < 16 || data[at] != 3)
            {
                throw new InvalidDataException($"the stack map table at offset {at} is not LLVM stack map version 3");
            }
            var functionCount = (int)U32(data, at + 4);
            var constantCount = (int)U32(data, at + 8);
            var recordCount = (int)U32(data, at + 12);
            at += 16;
            var sizes = new List<(ulong Address, ulong StackSize, int Records)>();
            for (var f = 0; f < functionCount; f++, at += 24)
            {
                sizes.Add((U64(data, at), U64(data, at + 8), (int)U64(data, at + 16)));
            }
            var constants = new long[constantCount];
            for (var c = 0; c < constantCount; c++, at += 8)
            {
                constants[c] = (long)U64(data, at);
            }
            var parsed = 0;
            foreach (var (address, stackSize, count) in sizes)
            {
                var records = new List<StackMapRecord>(count);
                for (var r = 0; r < count; r++, parsed++)
                {
                    var id = U64(data, at);
                    var offset = U32(data, at + 8);
                    var locationCount = U16(data, at + 14);
                    at += 16;
                    var locations = new StackMapLocation[locationCount];
                    for (var l = 0; l < locationCount; l++, at += 12)
                    {
                        var type = (LocationType)data[at];
                        var value = (long)(int)U32(data, at + 8);
                        if (type == LocationType.ConstantIndex)
                        {
                            value = constants[value];
                        }
                        locations[l] = new StackMapLocation(type, U16(data, at + 2), U16(data, at + 4), value);
                    }
                    at = Align8(at);
                    var liveOuts = U16(data, at + 2);
                    at = Align8(at + 4 + (liveOuts * 4));
                    records.Add(new StackMapRecord(id, address + offset, locations));
                }
                functions.Add(new StackMapFunction(address, stackSize, records));
            }
            if (parsed != recordCount)
            {
                throw new InvalidDataException($"a stack map table lists {recordCount} records but its functions hold {parsed}");
            }
        }
        return functions;
    }

    private static int Align8(int value) => (value + 7) & ~7;

    private static ushort U16(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt16LittleEndian(s[at..]);

    private static uint U32(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt32LittleEndian(s[at..]);

    private static ulong U64(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt64LittleEndian(s[at..]);
}
