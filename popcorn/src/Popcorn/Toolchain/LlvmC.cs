using System.Runtime.InteropServices;

namespace Popcorn.Toolchain;

/// <summary>
/// The part of LLVM's C API (Debian's <c>libLLVM-19.so</c>) the IR steps use: reading and printing modules, walking
/// functions, blocks and instructions, types, the builder, and the new pass manager. Handles are raw pointers; the
/// callers own and dispose contexts, modules and builders.
/// </summary>
internal static partial class LlvmC
{
    private const string Library = "LLVM-19";

    public const int OpRet = 1, OpAlloca = 26, OpStore = 28, OpGetElementPtr = 29, OpPhi = 44, OpCall = 45;
    public const int TypeVoid = 0, TypeFloat = 2, TypeDouble = 3, TypeFp128 = 5, TypeInteger = 8, TypeStruct = 10, TypeArray = 11, TypePointer = 12;

    [LibraryImport(Library)]
    public static partial nint LLVMContextCreate();

    [LibraryImport(Library)]
    public static partial void LLVMContextDispose(nint context);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LLVMCreateMemoryBufferWithContentsOfFile(string path, out nint buffer, out nint message);

    [LibraryImport(Library)]
    public static partial int LLVMParseIRInContext(nint context, nint buffer, out nint module, out nint message);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LLVMPrintModuleToFile(nint module, string path, out nint message);

    [LibraryImport(Library)]
    public static partial void LLVMDisposeModule(nint module);

    [LibraryImport(Library)]
    public static partial void LLVMDisposeMessage(nint message);

    [LibraryImport(Library)]
    public static partial nint LLVMGetFirstFunction(nint module);

    [LibraryImport(Library)]
    public static partial nint LLVMGetNextFunction(nint function);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LLVMGetNamedFunction(nint module, string name);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LLVMGetNamedGlobal(nint module, string name);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LLVMAddFunction(nint module, string name, nint functionType);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LLVMAddGlobal(nint module, nint type, string name);

    [LibraryImport(Library)]
    public static partial void LLVMSetLinkage(nint global, int linkage);

    [LibraryImport(Library)]
    public static partial int LLVMIsDeclaration(nint global);

    [LibraryImport(Library)]
    public static partial void LLVMSetVisibility(nint global, int visibility);

    [LibraryImport(Library)]
    public static partial nint LLVMGetValueName2(nint value, out nuint length);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial void LLVMSetValueName2(nint value, string name, nuint length);

    [LibraryImport(Library)]
    public static partial nint LLVMBasicBlockAsValue(nint block);

    [LibraryImport(Library)]
    public static partial nint LLVMGetFirstBasicBlock(nint function);

    [LibraryImport(Library)]
    public static partial nint LLVMGetNextBasicBlock(nint block);

    [LibraryImport(Library)]
    public static partial nint LLVMGetEntryBasicBlock(nint function);

    [LibraryImport(Library)]
    public static partial nint LLVMGetFirstInstruction(nint block);

    [LibraryImport(Library)]
    public static partial nint LLVMGetNextInstruction(nint instruction);

    [LibraryImport(Library)]
    public static partial nint LLVMGetBasicBlockTerminator(nint block);

    [LibraryImport(Library)]
    public static partial int LLVMGetInstructionOpcode(nint instruction);

    [LibraryImport(Library)]
    public static partial int LLVMGetNumOperands(nint value);

    [LibraryImport(Library)]
    public static partial nint LLVMGetOperand(nint value, uint index);

    [LibraryImport(Library)]
    public static partial nint LLVMIsAInstruction(nint value);

    [LibraryImport(Library)]
    public static partial nint LLVMIsAArgument(nint value);

    [LibraryImport(Library)]
    public static partial nint LLVMIsAFunction(nint value);

    [LibraryImport(Library)]
    public static partial nint LLVMIsAConstantInt(nint value);

    [LibraryImport(Library)]
    public static partial ulong LLVMConstIntGetZExtValue(nint value);

    [LibraryImport(Library)]
    public static partial uint LLVMCountParams(nint function);

    [LibraryImport(Library)]
    public static partial nint LLVMGetParam(nint function, uint index);

    [LibraryImport(Library)]
    public static partial uint LLVMCountIncoming(nint phi);

    [LibraryImport(Library)]
    public static partial nint LLVMGetIncomingValue(nint phi, uint index);

    [LibraryImport(Library)]
    public static partial nint LLVMGetIncomingBlock(nint phi, uint index);

    [LibraryImport(Library)]
    public static partial uint LLVMGetNumSuccessors(nint terminator);

    [LibraryImport(Library)]
    public static partial nint LLVMGetSuccessor(nint terminator, uint index);

    [LibraryImport(Library)]
    public static partial nint LLVMGetCalledValue(nint call);

    [LibraryImport(Library)]
    public static partial uint LLVMGetIntrinsicID(nint function);

    [LibraryImport(Library)]
    public static partial nint LLVMTypeOf(nint value);

    [LibraryImport(Library)]
    public static partial int LLVMGetTypeKind(nint type);

    [LibraryImport(Library)]
    public static partial uint LLVMGetIntTypeWidth(nint type);

    [LibraryImport(Library)]
    public static partial uint LLVMCountStructElementTypes(nint type);

    [LibraryImport(Library)]
    public static partial nint LLVMStructGetTypeAtIndex(nint type, uint index);

    [LibraryImport(Library)]
    public static partial nint LLVMGetAllocatedType(nint alloca);

    [LibraryImport(Library)]
    public static partial nint LLVMGetModuleDataLayout(nint module);

    [LibraryImport(Library)]
    public static partial ulong LLVMABISizeOfType(nint targetData, nint type);

    [LibraryImport(Library)]
    public static partial nint LLVMInt1TypeInContext(nint context);

    [LibraryImport(Library)]
    public static partial nint LLVMInt32TypeInContext(nint context);

    [LibraryImport(Library)]
    public static partial nint LLVMInt64TypeInContext(nint context);

    [LibraryImport(Library)]
    public static partial nint LLVMVoidTypeInContext(nint context);

    [LibraryImport(Library)]
    public static partial nint LLVMPointerTypeInContext(nint context, uint addressSpace);

    [LibraryImport(Library)]
    public static partial nint LLVMMetadataTypeInContext(nint context);

    [LibraryImport(Library)]
    public static unsafe partial nint LLVMFunctionType(nint returnType, nint* parameters, uint count, int isVarArg);

    /// <summary>A function type from a span of parameter types.</summary>
    public static unsafe nint FunctionType(nint returnType, ReadOnlySpan<nint> parameters, bool isVarArg)
    {
        fixed (nint* types = parameters)
        {
            return LLVMFunctionType(returnType, types, (uint)parameters.Length, isVarArg ? 1 : 0);
        }
    }

    [LibraryImport(Library)]
    public static partial uint LLVMGetArrayLength(nint arrayType);

    [LibraryImport(Library)]
    public static partial nint LLVMGetElementType(nint type);

    [LibraryImport(Library)]
    public static partial nint LLVMGetReturnType(nint functionType);

    [LibraryImport(Library)]
    public static partial nint LLVMGlobalGetValueType(nint global);

    [LibraryImport(Library)]
    public static partial nint LLVMConstInt(nint type, ulong value, int signExtend);

    [LibraryImport(Library)]
    public static partial nint LLVMCreateBuilderInContext(nint context);

    [LibraryImport(Library)]
    public static partial void LLVMDisposeBuilder(nint builder);

    [LibraryImport(Library)]
    public static partial void LLVMPositionBuilderBefore(nint builder, nint instruction);

    [LibraryImport(Library)]
    public static partial void LLVMPositionBuilderAtEnd(nint builder, nint block);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LLVMAppendBasicBlockInContext(nint context, nint function, string name);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial nint LLVMBuildCall2(nint builder, nint functionType, nint function, nint* arguments, uint count, string name);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LLVMBuildTrunc(nint builder, nint value, nint type, string name);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LLVMBuildLShr(nint builder, nint value, nint amount, string name);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LLVMBuildBitCast(nint builder, nint value, nint type, string name);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LLVMBuildIntToPtr(nint builder, nint value, nint type, string name);

    [LibraryImport(Library)]
    public static partial nint LLVMIntTypeInContext(nint context, uint bits);

    [LibraryImport(Library)]
    public static partial nint LLVMGetTypeContext(nint type);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LLVMBuildExtractValue(nint builder, nint aggregate, uint index, string name);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LLVMBuildLoad2(nint builder, nint type, nint pointer, string name);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LLVMBuildICmp(nint builder, int predicate, nint left, nint right, string name);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LLVMBuildAlloca(nint builder, nint type, string name);

    [LibraryImport(Library)]
    public static partial nint LLVMBuildStore(nint builder, nint value, nint pointer);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LLVMBuildPhi(nint builder, nint type, string name);

    [LibraryImport(Library)]
    public static unsafe partial void LLVMAddIncoming(nint phi, nint* values, nint* blocks, uint count);

    [LibraryImport(Library)]
    public static partial nint LLVMBuildRet(nint builder, nint value);

    [LibraryImport(Library)]
    public static partial nint LLVMBuildCondBr(nint builder, nint condition, nint then, nint otherwise);

    [LibraryImport(Library)]
    public static partial nint LLVMBuildBr(nint builder, nint destination);

    [LibraryImport(Library)]
    public static partial nint LLVMBuildRetVoid(nint builder);

    [LibraryImport(Library)]
    public static partial void LLVMSetVolatile(nint memoryAccess, int isVolatile);

    [LibraryImport(Library)]
    public static partial void LLVMSetAlignment(nint value, uint bytes);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint LLVMGetEnumAttributeKindForName(string name, nuint length);

    [LibraryImport(Library)]
    public static partial nint LLVMCreateEnumAttribute(nint context, uint kind, ulong value);

    [LibraryImport(Library)]
    public static partial void LLVMAddAttributeAtIndex(nint function, uint index, nint attribute);

    [LibraryImport(Library)]
    public static partial nint LLVMGetEnumAttributeAtIndex(nint function, uint index, uint kind);

    [LibraryImport(Library)]
    public static partial void LLVMRemoveEnumAttributeAtIndex(nint function, uint index, uint kind);

    [LibraryImport(Library)]
    public static partial void LLVMAddCallSiteAttribute(nint call, uint index, nint attribute);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint LLVMGetMDKindIDInContext(nint context, string name, uint length);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LLVMMDStringInContext2(nint context, string text, nuint length);

    [LibraryImport(Library)]
    public static partial nint LLVMValueAsMetadata(nint value);

    [LibraryImport(Library)]
    public static unsafe partial nint LLVMMDNodeInContext2(nint context, nint* metadata, nuint count);

    [LibraryImport(Library)]
    public static partial nint LLVMMetadataAsValue(nint context, nint metadata);

    [LibraryImport(Library)]
    public static partial void LLVMSetMetadata(nint instruction, uint kind, nint node);

    [LibraryImport(Library)]
    public static partial nint LLVMInstructionGetDebugLoc(nint instruction);

    [LibraryImport(Library)]
    public static partial void LLVMSetCurrentDebugLocation2(nint builder, nint location);

    [LibraryImport(Library)]
    public static partial nint LLVMGetCallSiteEnumAttribute(nint call, uint index, uint kind);

    [LibraryImport(Library)]
    public static partial nint LLVMCreatePassBuilderOptions();

    [LibraryImport(Library)]
    public static partial void LLVMDisposePassBuilderOptions(nint options);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LLVMRunPasses(nint module, string passes, nint targetMachine, nint options);

    [LibraryImport(Library)]
    public static partial nint LLVMInstructionClone(nint instruction);

    [LibraryImport(Library)]
    public static partial void LLVMInsertIntoBuilder(nint builder, nint instruction);

    [LibraryImport(Library)]
    public static partial void LLVMInstructionRemoveFromParent(nint instruction);

    [LibraryImport(Library)]
    public static partial void LLVMSetOperand(nint user, uint index, nint value);

    [LibraryImport(Library)]
    public static partial void LLVMInstructionEraseFromParent(nint instruction);

    [LibraryImport(Library)]
    public static partial nint LLVMGetFirstUse(nint value);

    [LibraryImport(Library)]
    public static partial nint LLVMGetNextUse(nint use);

    [LibraryImport(Library)]
    public static partial nint LLVMGetUser(nint use);

    [LibraryImport(Library)]
    public static partial nint LLVMCloneModule(nint module);

    [LibraryImport(Library)]
    public static partial void LLVMInitializeAArch64TargetInfo();

    [LibraryImport(Library)]
    public static partial void LLVMInitializeAArch64Target();

    [LibraryImport(Library)]
    public static partial void LLVMInitializeAArch64TargetMC();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LLVMGetTargetFromTriple(string triple, out nint target, out nint message);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LLVMCreateTargetMachine(nint target, string triple, string cpu, string features, int level, int relocation, int codeModel);

    [LibraryImport(Library)]
    public static partial void LLVMDisposeTargetMachine(nint machine);

    [LibraryImport(Library)]
    public static partial nint LLVMGetErrorMessage(nint error);

    [LibraryImport(Library)]
    public static partial void LLVMDisposeErrorMessage(nint message);

    [LibraryImport(Library)]
    public static partial int LLVMVerifyModule(nint module, int action, out nint message);

    /// <summary>The name of a value (empty for unnamed ones).</summary>
    public static string Name(nint value) => Marshal.PtrToStringUTF8(LLVMGetValueName2(value, out var length), (int)length) ?? "";

    /// <summary>Reads and frees an LLVM message.</summary>
    public static string TakeMessage(nint message)
    {
        if (message == 0)
        {
            return "";
        }
        var text = Marshal.PtrToStringUTF8(message) ?? "";
        LLVMDisposeMessage(message);
        return text;
    }

    /// <summary>All instructions of <paramref name="block"/> in order.</summary>
    public static List<nint> Instructions(nint block)
    {
        var list = new List<nint>();
        for (var i = LLVMGetFirstInstruction(block); i != 0; i = LLVMGetNextInstruction(i))
        {
            list.Add(i);
        }
        return list;
    }

    /// <summary>All basic blocks of <paramref name="function"/> in order.</summary>
    public static List<nint> Blocks(nint function)
    {
        var list = new List<nint>();
        for (var b = LLVMGetFirstBasicBlock(function); b != 0; b = LLVMGetNextBasicBlock(b))
        {
            list.Add(b);
        }
        return list;
    }

    /// <summary>All functions of <paramref name="module"/> in order.</summary>
    public static List<nint> Functions(nint module)
    {
        var list = new List<nint>();
        for (var f = LLVMGetFirstFunction(module); f != 0; f = LLVMGetNextFunction(f))
        {
            list.Add(f);
        }
        return list;
    }
}
