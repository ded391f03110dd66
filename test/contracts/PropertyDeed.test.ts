import type { Address, Hex } from 'viem';
import { keccak256, toHex } from 'viem';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRevert, type Deployed } from './support/evm';
import { DEED_ID, deployProperty, GERMANY, TITLE_HASH, type Property } from './support/fixture';

const REGISTRAR_ROLE = keccak256(toHex('REGISTRAR_ROLE'));
const NEW_TITLE = keccak256(toHex('land registry extract 2025-007, Berlin-Mitte, sheet 42'));
const PROPERTY = 77n;

describe('PropertyDeed', () => {
  let property: Property;
  let deed: Deployed;
  let base: Hex;

  beforeAll(async () => {
    property = await deployProperty();
    deed = property.deed;
    await property.evm.write(deed, 'issueDeed', [property.alice, PROPERTY, TITLE_HASH], property.admin);
    base = await property.evm.snapshot();
  });

  beforeEach(async () => {
    await property.evm.revertTo(base);
    base = await property.evm.snapshot();
  });

  it('issues one deed per property carrying the title-documents hash', async () => {
    const { evm, admin, alice } = property;
    expect(await evm.read(deed, 'ownerOf', [PROPERTY])).toBe(alice);
    expect(await evm.read(deed, 'titleHashOf', [PROPERTY])).toBe(TITLE_HASH);
    // The fixture's property is held by its share contract.
    expect(await evm.read(deed, 'ownerOf', [DEED_ID])).toBe(property.shares.address);
    await expectRevert(evm.write(deed, 'issueDeed', [alice, PROPERTY, TITLE_HASH], admin), 'ERC721InvalidSender');
    await expectRevert(evm.write(deed, 'issueDeed', [alice, 78n, `0x${'0'.repeat(64)}`], admin), 'DeedEmptyTitleHash');
    await expectRevert(evm.write(deed, 'issueDeed', [alice, 78n, TITLE_HASH], alice), 'AccessControlUnauthorizedAccount', [
      alice,
      REGISTRAR_ROLE,
    ]);
  });

  it('records new title documents with the previous hash in the event', async () => {
    const { evm, admin } = property;
    const receipt = await evm.write(deed, 'updateTitleDocuments', [PROPERTY, NEW_TITLE], admin);
    expect(evm.events(receipt, deed)[0]?.args).toEqual({ tokenId: PROPERTY, previousHash: TITLE_HASH, newHash: NEW_TITLE });
    expect(await evm.read(deed, 'titleHashOf', [PROPERTY])).toBe(NEW_TITLE);
    await expectRevert(evm.write(deed, 'updateTitleDocuments', [999n, NEW_TITLE], admin), 'ERC721NonexistentToken', [999n]);
  });

  it('lets the owner transfer only to a verified wallet whose identity has not expired', async () => {
    const { evm, registry, admin, alice, bob, outsider } = property;
    await expectRevert(evm.write(deed, 'transferFrom', [alice, outsider, PROPERTY], alice), 'DeedReceiverNotVerified', [outsider]);
    const expiry = (await evm.now()) + 100n;
    await evm.write(registry, 'setIdentity', [outsider, GERMANY, expiry], admin);
    await evm.setTime(expiry);
    await expectRevert(evm.write(deed, 'transferFrom', [alice, outsider, PROPERTY], alice), 'DeedReceiverIdentityExpired', [outsider, expiry]);
    await evm.write(deed, 'safeTransferFrom', [alice, bob, PROPERTY], alice);
    expect(await evm.read(deed, 'ownerOf', [PROPERTY])).toBe(bob);
  });

  it('disables approvals: nobody but the owner and the registrar moves a deed', async () => {
    const { evm, alice, bob } = property;
    await expectRevert(evm.write(deed, 'approve', [bob, PROPERTY], alice), 'DeedApprovalsDisabled');
    await expectRevert(evm.write(deed, 'setApprovalForAll', [bob, true], alice), 'DeedApprovalsDisabled');
    await expectRevert(evm.write(deed, 'transferFrom', [alice, bob, PROPERTY], bob), 'ERC721InsufficientApproval', [bob, PROPERTY]);
  });

  it('lets the registrar move any deed, to anyone, and retire it', async () => {
    const { evm, admin, alice, outsider, shares } = property;
    await evm.write(deed, 'transferFrom', [shares.address, outsider, DEED_ID], admin);
    expect(await evm.read(deed, 'ownerOf', [DEED_ID])).toBe(outsider);
    // Back into the share contract with a safe transfer: it accepts its own deed only.
    await evm.write(deed, 'safeTransferFrom', [outsider, shares.address, DEED_ID], admin);
    await expectRevert(evm.write(deed, 'safeTransferFrom', [alice, shares.address, PROPERTY], admin), 'SharesUnexpectedToken', [
      deed.address,
      PROPERTY,
    ]);
    const receipt = await evm.write(deed, 'retireDeed', [PROPERTY], admin);
    expect(evm.events(receipt, deed).map((event) => event.eventName)).toEqual(['Transfer', 'DeedRetired']);
    await expectRevert(evm.read(deed, 'titleHashOf', [PROPERTY]), 'ERC721NonexistentToken');
  });

  it('serves token URIs under the configured base and reports its interfaces', async () => {
    const { evm, admin } = property;
    await evm.write(deed, 'setBaseURI', ['https://domus.example/api/deeds/'], admin);
    expect(await evm.read(deed, 'tokenURI', [PROPERTY])).toBe(`https://domus.example/api/deeds/${PROPERTY}`);
    expect(await evm.read(deed, 'supportsInterface', ['0x80ac58cd'])).toBe(true); // ERC-721
    expect(await evm.read(deed, 'supportsInterface', ['0x7965db0b'])).toBe(true); // AccessControl
  });

  it('swaps its identity registry only through the admin', async () => {
    const { evm, admin, alice, bob } = property;
    const empty = await evm.deploy('IdentityRegistry', [admin], admin);
    await expectRevert(evm.write(deed, 'setIdentityRegistry', [empty.address], alice), 'AccessControlUnauthorizedAccount');
    await evm.write(deed, 'setIdentityRegistry', [empty.address], admin);
    await expectRevert(evm.write(deed, 'transferFrom', [alice, bob, PROPERTY], alice), 'DeedReceiverNotVerified', [bob as Address]);
  });
});
