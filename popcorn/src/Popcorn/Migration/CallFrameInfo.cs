using System.Buffers.Binary;
using Systems.Dwarf;

namespace Popcorn.Migration;

/// <summary>
/// The unwind rule at one address, from CFI: the canonical frame address is <c>CfaRegister + CfaOffset</c>, and each
/// register in <see cref="Saved"/> (DWARF numbers) was saved by the function at <c>CFA + offset</c>.
/// </summary>
/// <param name="CfaRegister">The register the CFA is computed from.</param>
/// <param name="CfaOffset">Added to it.</param>
/// <param name="Saved">Registers saved in the frame and their offsets from the CFA.</param>
public sealed record FrameRule(int CfaRegister, long CfaOffset, IReadOnlyDictionary<int, long> Saved);

/// <summary>
/// A reader of <c>.eh_frame</c> (CIEs and FDEs) and an interpreter of its <c>DW_CFA_*</c> programs, enough for
/// the code clang emits for aarch64 and riscv64: it answers the unwind rule at any address inside a function.
/// </summary>
public sealed class CallFrameInfo
{
    private readonly List<(ulong Start, ulong End, Cie Cie, int Instructions, int InstructionsEnd)> _fdes = [];
    private readonly byte[] _data;

    private sealed record Cie(ulong CodeAlignment, long DataAlignment, int ReturnRegister, byte PointerEncoding, int Instructions, int InstructionsEnd);

    /// <summary>Parses the <c>.eh_frame</c> bytes loaded at <paramref name="address"/>.</summary>
    /// <exception cref="InvalidDataException">Malformed entries.</exception>
    public CallFrameInfo(ReadOnlyMemory<byte> data, ulong address)
    {
        _data = data.ToArray();
        var cies = new Dictionary<int, Cie>();
        var at = 0;
        while (at + 4 <= _data.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(at));
            if (length == 0)
            {
                break;
            }
            var body = at + 4;
            var end = body + length;
            var id = BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(body));
            if (id == 0)
            {
                cies[at] = ReadCie(body + 4, end);
            }
            else
            {
                var cieAt = body - (int)id;
                var cie = cies.TryGetValue(cieAt, out var known) ? known : throw new InvalidDataException($"an FDE at 0x{at:x} names no CIE");
                var p = body + 4;
                var start = ReadPointer(ref p, cie.PointerEncoding, address);
                var range = ReadPointer(ref p, (byte)(cie.PointerEncoding & 0x0F), address);
                var augmentation = (int)Uleb(ref p);
                p += augmentation;
                _fdes.Add((start, start + range, cie, p, end));
            }
            at = end;
        }
        _fdes.Sort((a, b) => a.Start.CompareTo(b.Start));
    }

    /// <summary>The unwind rule in effect at <paramref name="pc"/>, or null when no FDE covers it.</summary>
    /// <exception cref="InvalidDataException">The program uses an operation this reader does not implement.</exception>
    public FrameRule? RuleAt(ulong pc)
    {
        var index = _fdes.FindLastIndex(f => f.Start <= pc);
        if (index < 0 || pc >= _fdes[index].End)
        {
            return null;
        }
        var fde = _fdes[index];
        var state = new State();
        Execute(fde.Cie, fde.Cie.Instructions, fde.Cie.InstructionsEnd, ulong.MaxValue, fde.Start, state, null);
        var initial = new Dictionary<int, long>(state.Saved);
        Execute(fde.Cie, fde.Instructions, fde.InstructionsEnd, pc, fde.Start, state, initial);
        return new FrameRule(state.CfaRegister, state.CfaOffset, state.Saved);
    }

    private sealed class State
    {
        public int CfaRegister;
        public long CfaOffset;
        public Dictionary<int, long> Saved = [];
        public Stack<(int, long, Dictionary<int, long>)> Remembered = new();
    }

    private void Execute(Cie cie, int at, int end, ulong pc, ulong location, State state, Dictionary<int, long>? initial)
    {
        while (at < end)
        {
            var op = _data[at++];
            var high = op & 0xC0;
            var low = op & 0x3F;
            ulong advance = 0;
            if (high == 0x40)
            {
                advance = (ulong)low * cie.CodeAlignment;
            }
            else if (high == 0x80)
            {
                state.Saved[low] = (long)Uleb(ref at) * cie.DataAlignment;
                continue;
            }
            else if (high == 0xC0)
            {
                Restore(state, initial, low);
                continue;
            }
            else
            {
                switch (op)
                {
                    case 0x00:
                        continue;
                    case 0x02:
                        advance = _data[at++] * cie.CodeAlignment;
                        break;
                    case 0x03:
                        advance = BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(at)) * cie.CodeAlignment;
                        at += 2;
                        break;
                    case 0x04:
                        advance = BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(at)) * cie.CodeAlignment;
                        at += 4;
                        break;
                    case 0x05:
                        {
                            var register = (int)Uleb(ref at);
                            state.Saved[register] = (long)Uleb(ref at) * cie.DataAlignment;
                            continue;
                        }
                    case 0x06:
                        Restore(state, initial, (int)Uleb(ref at));
                        continue;
                    case 0x07 or 0x08:
                        state.Saved.Remove((int)Uleb(ref at));
                        continue;
                    case 0x0A:
                        state.Remembered.Push((state.CfaRegister, state.CfaOffset, new Dictionary<int, long>(state.Saved)));
                        continue;
                    case 0x0B:
                        (state.CfaRegister, state.CfaOffset, state.Saved) = state.Remembered.Pop();
                        continue;
                    case 0x0C:
                        state.CfaRegister = (int)Uleb(ref at);
                        state.CfaOffset = (long)Uleb(ref at);
                        continue;
                    case 0x0D:
                        state.CfaRegister = (int)Uleb(ref at);
                        continue;
                    case 0x0E:
                        state.CfaOffset = (long)Uleb(ref at);
                        continue;
                    case 0x11:
                        {
                            var register = (int)Uleb(ref at);
                            state.Saved[register] = Sleb(ref at) * cie.DataAlignment;
                            continue;
                        }
                    case 0x12:
                        state.CfaRegister = (int)Uleb(ref at);
                        state.CfaOffset = Sleb(ref at) * cie.DataAlignment;
                        continue;
                    case 0x13:
                        state.CfaOffset = Sleb(ref at) * cie.DataAlignment;
                        continue;
                    case 0x2E:
                        Uleb(ref at);
                        continue;
                    case 0x2D:
                        continue;
                    default:
                        throw new InvalidDataException($"unsupported CFI operation 0x{op:x2}");
                }
            }
            location += advance;
            if (location > pc)
            {
                return;
            }
        }
    }

    private static void Restore(State state, Dictionary<int, long>? initial, int register)
    {
        if (initial is not null && initial.TryGetValue(register, out var offset))
        {
            state.Saved[register] = offset;
        }
        else
        {
            state.Saved.Remove(register);
        }
    }

    private Cie ReadCie(int at, int end)
    {
        var version = _data[at++];
        var augmentationStart = at;
        while (_data[at] != 0)
        {
            at++;
        }
        var augmentation = System.Text.Encoding.ASCII.GetString(_data, augmentationStart, at - augmentationStart);
        at++;
        var codeAlignment = Uleb(ref at);
        var dataAlignment = Sleb(ref at);
        var returnRegister = version == 1 ? _data[at++] : (int)Uleb(ref at);
        byte encoding = 0;
        if (augmentation.StartsWith('z'))
        {
            var length = (int)Uleb(ref at);
            var next = at + length;
            foreach (var c in augmentation[1..])
            {
                if (c == 'R')
                {
                    encoding = _data[at++];
                }
                else if (c == 'P')
                {
                    var personality = _data[at++];
                    var ignored = 0UL;
                    ReadPointer(ref at, personality, ignored);
                }
                else if (c == 'L')
                {
                    at++;
                }
            }
            at = next;
        }
        return new Cie(codeAlignment, dataAlignment, returnRegister, encoding, at, end);
    }

    private ulong ReadPointer(ref int at, byte encoding, ulong sectionAddress)
    {
        var place = sectionAddress + (ulong)at;
        ulong value;
        switch (encoding & 0x0F)
        {
            case 0x00:
            case 0x04:
                value = BinaryPrimitives.ReadUInt64LittleEndian(_data.AsSpan(at));
                at += 8;
                break;
            case 0x03:
                value = BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(at));
                at += 4;
                break;
            case 0x0B:
                value = (ulong)(long)BinaryPrimitives.ReadInt32LittleEndian(_data.AsSpan(at));
                at += 4;
                break;
            case 0x0C:
                value = BinaryPrimitives.ReadUInt64LittleEndian(_data.AsSpan(at));
                at += 8;
                break;
            default:
                throw new InvalidDataException($"unsupported pointer encoding 0x{encoding:x2} in .eh_frame");
        }
        if ((encoding & 0x70) == 0x10)
        {
            value += place;
        }
        return value;
    }

    private ulong Uleb(ref int at) => Leb128.ReadUnsigned(_data, ref at);

    private long Sleb(ref int at) => Leb128.ReadSigned(_data, ref at);
}
