using System.Buffers.Binary;
using System.Text;
using Systems.Dwarf;

namespace Serval.Binary;

/// <summary>The type of a global as DWARF describes it, reduced to what a memory model needs: sizes and shapes.</summary>
/// <param name="Name">The type as C would write it (<c>long</c>, <c>long[4]</c>, <c>struct pair</c>).</param>
/// <param name="Size">Its size in bytes.</param>
public abstract record DataType(string Name, ulong Size);

/// <summary>A scalar: a base type, pointer or enumeration, held in one cell.</summary>
/// <param name="Name">The type's name.</param>
/// <param name="Size">Its size in bytes.</param>
public sealed record ScalarType(string Name, ulong Size) : DataType(Name, Size);

/// <summary>An array of <paramref name="Count"/> elements of one type.</summary>
/// <param name="Element">The element type.</param>
/// <param name="Count">The number of elements (0 for an array of unknown bound).</param>
public sealed record ArrayType(DataType Element, ulong Count) : DataType($"{Element.Name}[{Count}]", Element.Size * Count);

/// <summary>A structure (or union, whose fields all start at 0) with its fields at their byte offsets.</summary>
/// <param name="Name">The type's name.</param>
/// <param name="Size">Its size in bytes, padding included.</param>
/// <param name="Fields">The fields in declaration order.</param>
public sealed record StructType(string Name, ulong Size, IReadOnlyList<StructField> Fields) : DataType(Name, Size);

/// <summary>A field of a structure.</summary>
/// <param name="Name">The field's name.</param>
/// <param name="Offset">Its byte offset in the structure.</param>
/// <param name="Type">Its type.</param>
public sealed record StructField(string Name, ulong Offset, DataType Type);

/// <summary>A global variable with a fixed address, from DWARF.</summary>
/// <param name="Name">The variable's name.</param>
/// <param name="Address">Its address (DW_OP_addr).</param>
/// <param name="Type">Its type.</param>
public sealed record GlobalVariable(string Name, ulong Address, DataType Type);

/// <summary>
/// The part of DWARF 2–4 <c>.debug_info</c> a structured memory model needs: every global variable with a static
/// address and its type (base types, pointers, enumerations, arrays, structures, unions, typedefs and qualifiers).
/// </summary>
public static class DebugInfo
{
    private const int TagArray = 0x01, TagEnumeration = 0x04, TagMember = 0x0d, TagPointer = 0x0f, TagStructure = 0x13,
        TagTypedef = 0x16, TagUnion = 0x17, TagSubrange = 0x21, TagBase = 0x24, TagConst = 0x26, TagVariable = 0x34,
        TagVolatile = 0x35, TagRestrict = 0x37, TagAtomic = 0x47;
    private const int AtLocation = 0x02, AtName = 0x03, AtByteSize = 0x0b, AtUpperBound = 0x2f, AtCount = 0x37,
        AtDataMemberLocation = 0x38, AtSpecification = 0x47, AtType = 0x49;
    private const byte OpAddr = 0x03;

    /// <summary>Parses <c>.debug_info</c> with its <c>.debug_abbrev</c> and <c>.debug_str</c>.</summary>
    /// <exception cref="BadElfException">The sections are malformed; the message names <paramref name="path"/>.</exception>
    public static IReadOnlyDictionary<string, GlobalVariable> Parse(byte[] info, byte[] abbrev, byte[]? strings, bool is64Bit, string path)
    {
        var dies = new Dictionary<long, Die>();
        var globals = new Dictionary<string, GlobalVariable>(StringComparer.Ordinal);
        try
        {
            var at = 0;
            while (at + 11 <= info.Length)
            {
                var unitStart = at;
                var length = BinaryPrimitives.ReadUInt32LittleEndian(info.AsSpan(at));
                if (length >= 0xFFFFFFF0 || at + 4 + (long)length > info.Length)
                {
                    throw new BadElfException($"{path}: .debug_info has a unit past the section's end (or 64-bit DWARF).");
                }
                var end = at + 4 + (int)length;
                var version = BinaryPrimitives.ReadUInt16LittleEndian(info.AsSpan(at + 4));
                if (version is < 2 or > 4)
                {
                    at = end; // DWARF 5 units (and unknown versions) carry no types for us; the line table names the fix.
                    continue;
                }
                var abbrevOffset = (int)BinaryPrimitives.ReadUInt32LittleEndian(info.AsSpan(at + 6));
                var addressSize = info[at + 10];
                var table = ReadAbbreviations(abbrev, abbrevOffset);
                var reader = new UnitReader(info, strings, unitStart, version, addressSize, path);
                reader.ReadDies(at + 11, end, table, dies);
                at = end;
            }
            foreach (var die in dies.Values.Where(d => d.Tag == TagVariable))
            {
                if (die.Attributes.GetValueOrDefault(AtLocation) is not byte[] { Length: > 1 } location || location[0] != OpAddr)
                {
                    continue;
                }
                var address = location.Length >= 9 && is64Bit ? BinaryPrimitives.ReadUInt64LittleEndian(location.AsSpan(1))
                    : location.Length >= 5 ? BinaryPrimitives.ReadUInt32LittleEndian(location.AsSpan(1)) : 0;
                var declaration = die.Attributes.GetValueOrDefault(AtSpecification) is long spec && dies.TryGetValue(spec, out var d) ? d : die;
                var name = die.Attributes.GetValueOrDefault(AtName) as string ?? declaration.Attributes.GetValueOrDefault(AtName) as string;
                var typeRef = die.Attributes.GetValueOrDefault(AtType) as long? ?? declaration.Attributes.GetValueOrDefault(AtType) as long?;
                if (name is null || typeRef is null)
                {
                    continue;
                }
                globals.TryAdd(name, new GlobalVariable(name, address, TypeOf(dies, typeRef.Value, 0)));
            }
        }
        catch (IndexOutOfRangeException)
        {
            throw new BadElfException($"{path}: .debug_info or .debug_abbrev ends in the middle of an entry.");
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new BadElfException($"{path}: .debug_info or .debug_abbrev ends in the middle of an entry.");
        }
        return globals;
    }

    private static DataType TypeOf(Dictionary<long, Die> dies, long reference, int depth)
    {
        if (depth > 64 || !dies.TryGetValue(reference, out var die))
        {
            return new ScalarType("?", 0);
        }
        var name = die.Attributes.GetValueOrDefault(AtName) as string;
        var size = die.Attributes.GetValueOrDefault(AtByteSize) is ulong s ? s : 0;
        DataType Inner() => die.Attributes.GetValueOrDefault(AtType) is long inner ? TypeOf(dies, inner, depth + 1) : new ScalarType("void", 0);
        switch (die.Tag)
        {
            case TagBase or TagEnumeration or TagPointer:
                return new ScalarType(die.Tag == TagPointer ? Inner().Name + "*" : name ?? "?", size == 0 && die.Tag == TagPointer ? 8 : size);
            case TagTypedef or TagConst or TagVolatile or TagRestrict or TagAtomic:
                return Inner();
            case TagArray:
                var element = Inner();
                foreach (var range in die.Children.Where(c => c.Tag == TagSubrange).Reverse())
                {
                    var count = range.Attributes.GetValueOrDefault(AtCount) is ulong n ? n
                        : range.Attributes.GetValueOrDefault(AtUpperBound) is ulong upper ? upper + 1 : 0;
                    element = new ArrayType(element, count);
                }
                return element;
            case TagStructure or TagUnion:
                var fields = die.Children.Where(c => c.Tag == TagMember).Select((member, i) => new StructField(
                    member.Attributes.GetValueOrDefault(AtName) as string ?? $"<anonymous {i}>",
                    member.Attributes.GetValueOrDefault(AtDataMemberLocation) switch
                    {
                        ulong offset => offset,
                        byte[] { Length: > 1 } expression when expression[0] == 0x23 => LebAt(expression, 1), // DW_OP_plus_uconst
                        _ => 0,
                    },
                    member.Attributes.GetValueOrDefault(AtType) is long t ? TypeOf(dies, t, depth + 1) : new ScalarType("?", 0))).ToList();
                var keyword = die.Tag == TagUnion ? "union" : "struct";
                return new StructType(name is null ? $"{keyword} <anonymous>" : $"{keyword} {name}", size, fields);
            default:
                return new ScalarType(name ?? "?", size);
        }
    }

    private static ulong LebAt(byte[] bytes, int at) => Leb128.ReadUnsigned(bytes, ref at);

    private sealed record Abbreviation(int Tag, bool HasChildren, (int Attribute, int Form, long Implicit)[] Specs);

    private static Dictionary<ulong, Abbreviation> ReadAbbreviations(byte[] abbrev, int at)
    {
        var table = new Dictionary<ulong, Abbreviation>();
        while (true)
        {
            var code = Leb128.ReadUnsigned(abbrev, ref at);
            if (code == 0)
            {
                return table;
            }
            var tag = (int)Leb128.ReadUnsigned(abbrev, ref at);
            var hasChildren = abbrev[at++] != 0;
            var specs = new List<(int, int, long)>();
            while (true)
            {
                var attribute = (int)Leb128.ReadUnsigned(abbrev, ref at);
                var form = (int)Leb128.ReadUnsigned(abbrev, ref at);
                if (attribute == 0 && form == 0)
                {
                    break;
                }
                specs.Add((attribute, form, form == 0x21 ? Leb128.ReadSigned(abbrev, ref at) : 0));
            }
            table[code] = new Abbreviation(tag, hasChildren, [.. specs]);
        }
    }

    private sealed class Die(int tag)
    {
        public int Tag { get; } = tag;

        public Dictionary<int, object> Attributes { get; } = [];

        public List<Die> Children { get; } = [];
    }

    // Reads one unit's entries. Attribute values: ulong for constants, long for references (section offsets),
    // string for names, byte[] for blocks and expressions.
    private sealed class UnitReader(byte[] info, byte[]? strings, int unitStart, int version, int addressSize, string path)
    {
        public void ReadDies(int at, int end, Dictionary<ulong, Abbreviation> table, Dictionary<long, Die> dies)
        {
            var parents = new Stack<Die>();
            while (at < end)
            {
                var offset = at;
                var code = Leb128.ReadUnsigned(info, ref at);
                if (code == 0)
                {
                    if (parents.Count > 0)
                    {
                        parents.Pop();
                    }
                    continue;
                }
                if (!table.TryGetValue(code, out var abbreviation))
                {
                    throw new BadElfException($"{path}: .debug_info entry at 0x{offset:x} uses undefined abbreviation {code}.");
                }
                var die = new Die(abbreviation.Tag);
                foreach (var (attribute, form, implicitValue) in abbreviation.Specs)
                {
                    var value = ReadForm(form, ref at, implicitValue);
                    if (value is not null)
                    {
                        die.Attributes[attribute] = value;
                    }
                }
                dies[offset] = die;
                if (parents.TryPeek(out var parent))
                {
                    parent.Children.Add(die);
                }
                if (abbreviation.HasChildren)
                {
                    parents.Push(die);
                }
            }
        }

        private object? ReadForm(int form, ref int at, long implicitValue)
        {
            switch (form)
            {
                case 0x01: return Fixed(ref at, addressSize);                                    // addr
                case 0x0b: return Fixed(ref at, 1);                                              // data1
                case 0x05: return Fixed(ref at, 2);                                              // data2
                case 0x06: return Fixed(ref at, 4);                                              // data4
                case 0x07: return Fixed(ref at, 8);                                              // data8
                case 0x0d: return unchecked((ulong)Leb128.ReadSigned(info, ref at));             // sdata
                case 0x0f: return Leb128.ReadUnsigned(info, ref at);                             // udata
                case 0x0c: return Fixed(ref at, 1);                                              // flag
                case 0x19: return 1UL;                                                           // flag_present
                case 0x21: return unchecked((ulong)implicitValue);                               // implicit_const
                case 0x08:                                                                       // string
                    var stringEnd = Array.IndexOf(info, (byte)0, at);
                    var text = Encoding.UTF8.GetString(info, at, stringEnd - at);
                    at = stringEnd + 1;
                    return text;
                case 0x0e:                                                                       // strp
                    var stringOffset = (int)Fixed(ref at, 4);
                    if (strings is null || stringOffset >= strings.Length)
                    {
                        return null;
                    }
                    var zero = Array.IndexOf(strings, (byte)0, stringOffset);
                    return Encoding.UTF8.GetString(strings, stringOffset, (zero < 0 ? strings.Length : zero) - stringOffset);
                case 0x11: return unitStart + (long)Fixed(ref at, 1);                             // ref1
                case 0x12: return unitStart + (long)Fixed(ref at, 2);                             // ref2
                case 0x13: return unitStart + (long)Fixed(ref at, 4);                             // ref4
                case 0x14: return unitStart + (long)Fixed(ref at, 8);                             // ref8
                case 0x15: return unitStart + (long)Leb128.ReadUnsigned(info, ref at);            // ref_udata
                case 0x10: return (long)Fixed(ref at, version == 2 ? addressSize : 4);           // ref_addr
                case 0x17: Fixed(ref at, 4); return null;                                        // sec_offset
                case 0x20: Fixed(ref at, 8); return null;                                        // ref_sig8
                case 0x0a: return Block(ref at, (int)Fixed(ref at, 1));                          // block1
                case 0x03: return Block(ref at, (int)Fixed(ref at, 2));                          // block2
                case 0x04: return Block(ref at, (int)Fixed(ref at, 4));                          // block4
                case 0x09 or 0x18: return Block(ref at, (int)Leb128.ReadUnsigned(info, ref at)); // block, exprloc
                case 0x16: return ReadForm((int)Leb128.ReadUnsigned(info, ref at), ref at, 0);   // indirect
                default:
                    throw new BadElfException($"{path}: .debug_info uses attribute form 0x{form:x}, which DWARF 2-4 does not define.");
            }
        }

        private ulong Fixed(ref int at, int size)
        {
            ulong value = 0;
            for (var i = size - 1; i >= 0; i--)
            {
                value = (value << 8) | info[at + i];
            }
            at += size;
            return value;
        }

        private byte[] Block(ref int at, int length)
        {
            var block = info.AsSpan(at, length).ToArray();
            at += length;
            return block;
        }
    }
}
