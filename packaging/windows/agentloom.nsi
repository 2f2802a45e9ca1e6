; The Windows installer (NSIS 3): agentloom.exe into Program Files, a Start menu shortcut, and an
; uninstaller registered in "Apps & features". The release workflow builds it with
;   makensis /DVERSION=0.1.0 /DBINARY=C:\...\agentloom.exe /DOUTFILE=C:\...\setup.exe agentloom.nsi
; (makensis runs from this file's folder, so pass absolute paths). The database is not installed:
; the app creates it, or upgrades an older one, in %APPDATA%\agentloom\data on first launch, and
; the uninstaller leaves it there.
Unicode true
ManifestDPIAware true

!ifndef VERSION
  !error "pass /DVERSION=x.y.z, the version in Cargo.toml"
!endif
!ifndef BINARY
  !error "pass /DBINARY=path\to\agentloom.exe"
!endif
!ifndef OUTFILE
  !define OUTFILE "agentloom-${VERSION}-windows-x64-setup.exe"
!endif

!include "MUI2.nsh"
!include "x64.nsh"
!include "FileFunc.nsh"

!define PRODUCT "AgentLoom"
!define REG_KEY "Software\AgentLoom"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\AgentLoom"

Name "${PRODUCT} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${PRODUCT}"
InstallDirRegKey HKLM "${REG_KEY}" "InstallDir"
RequestExecutionLevel admin
SetCompressor /SOLID lzma

; Windows wants four numbers here; a pre-release suffix (0.2.0-rc1) is dropped for it.
!searchparse /noerrors "${VERSION}" "" VERSION_NUMBERS "-"
!ifndef VERSION_NUMBERS
  !define VERSION_NUMBERS "${VERSION}"
!endif
VIProductVersion "${VERSION_NUMBERS}.0"
VIAddVersionKey "ProductName" "${PRODUCT}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "${PRODUCT} ${VERSION} installer"
VIAddVersionKey "LegalCopyright" "AgentLoom developers, MIT OR Apache-2.0"

!define MUI_ICON "..\..\assets\icons\agentloom.ico"
!define MUI_UNICON "..\..\assets\icons\agentloom.ico"
!define MUI_FINISHPAGE_RUN "$INSTDIR\agentloom.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Open AgentLoom"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "AgentLoom needs 64-bit Windows." /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext all
FunctionEnd

Section "AgentLoom"
  SetOutPath "$INSTDIR"
  File "/oname=agentloom.exe" "${BINARY}"
  File "..\..\assets\icons\agentloom.ico"
  WriteUninstaller "$INSTDIR\Uninstall.exe"
  CreateShortcut "$SMPROGRAMS\${PRODUCT}.lnk" "$INSTDIR\agentloom.exe" "" "$INSTDIR\agentloom.ico"

  WriteRegStr HKLM "${REG_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "AgentLoom developers"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\agentloom.ico"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\Uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "Uninstall"
  Delete "$SMPROGRAMS\${PRODUCT}.lnk"
  Delete "$INSTDIR\agentloom.exe"
  Delete "$INSTDIR\agentloom.ico"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  DeleteRegKey HKLM "${REG_KEY}"
SectionEnd
