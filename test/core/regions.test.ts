import { describe, expect, it } from 'vitest';
import {
  SERVICE_TAG_REGIONS,
  normaliseLocation,
  sameLocation,
  serviceTagRegion,
  storageServiceTag,
} from '../../src/core/regions';

describe('regions', () => {
  describe('normaliseLocation', () => {
    it.each<[string, string]>([
      ['eastus', 'eastus'],
      ['East US', 'eastus'],
      ['EastUS', 'eastus'],
      [' East US 2 ', 'eastus2'],
      ['West Europe', 'westeurope'],
      ['Germany West Central', 'germanywestcentral'],
      ['', ''],
    ])('%j → %j', (location, expected) => {
      expect(normaliseLocation(location)).toBe(expected);
    });
  });

  describe('serviceTagRegion', () => {
    it.each<[string, string]>([
      ['eastus', 'EastUS'],
      ['eastus2', 'EastUS2'],
      ['westeurope', 'WestEurope'],
      ['japaneast', 'JapanEast'],
      ['japanwest', 'JapanWest'],
      ['southeastasia', 'SoutheastAsia'],
      ['eastasia', 'EastAsia'],
      ['uksouth', 'UKSouth'],
      ['ukwest', 'UKWest'],
      ['centralus', 'CentralUS'],
      ['westus', 'WestUS'],
      ['westus2', 'WestUS2'],
      ['westus3', 'WestUS3'],
      ['southcentralus', 'SouthCentralUS'],
      ['northcentralus', 'NorthCentralUS'],
      ['westcentralus', 'WestCentralUS'],
      ['northeurope', 'NorthEurope'],
      ['australiaeast', 'AustraliaEast'],
      ['australiasoutheast', 'AustraliaSoutheast'],
      ['australiacentral2', 'AustraliaCentral2'],
      ['germanywestcentral', 'GermanyWestCentral'],
      ['francecentral', 'FranceCentral'],
      ['canadacentral', 'CanadaCentral'],
      ['brazilsouth', 'BrazilSouth'],
      ['koreacentral', 'KoreaCentral'],
      ['centralindia', 'CentralIndia'],
      ['swedencentral', 'SwedenCentral'],
      ['switzerlandnorth', 'SwitzerlandNorth'],
      ['norwayeast', 'NorwayEast'],
      ['uaenorth', 'UAENorth'],
      ['southafricanorth', 'SouthAfricaNorth'],
      ['jioindiawest', 'JioIndiaWest'],
      ['centraluseuap', 'CentralUSEUAP'],
      ['East US', 'EastUS'],
      ['South Central US', 'SouthCentralUS'],
      ['SOUTHEASTASIA', 'SoutheastAsia'],
    ])('%s → %s', (location, expected) => {
      expect(serviceTagRegion(location)).toBe(expected);
    });

    it.each(['marscentral', '', 'toString', 'constructor', 'Storage.EastUS'])('%j is unknown', (location) => {
      expect(serviceTagRegion(location)).toBeUndefined();
    });

    it('every entry spells its own location name, which is lower-case letters and digits', () => {
      const mismatched = Object.entries(SERVICE_TAG_REGIONS).filter(
        ([name, tag]) => tag.toLowerCase() !== name || !/^[a-z0-9]+$/.test(name),
      );
      expect(mismatched).toEqual([]);
      expect(Object.keys(SERVICE_TAG_REGIONS)).toHaveLength(58);
    });
  });

  describe('storageServiceTag', () => {
    it.each<[string, string]>([
      ['eastus', 'Storage.EastUS'],
      ['westeurope', 'Storage.WestEurope'],
      ['japaneast', 'Storage.JapanEast'],
      ['East US 2', 'Storage.EastUS2'],
      ['southcentralus', 'Storage.SouthCentralUS'],
      ['uksouth', 'Storage.UKSouth'],
      ['centralindia', 'Storage.CentralIndia'],
      ['Mars Central', 'Storage.marscentral'],
    ])('%s → %s', (location, expected) => {
      expect(storageServiceTag(location)).toBe(expected);
    });
  });

  describe('sameLocation', () => {
    it.each<[string, string, boolean]>([
      ['East US', 'eastus', true],
      ['eastus', 'EastUS', true],
      ['eastus', 'eastus2', false],
      ['westeurope', 'northeurope', false],
      ['', '', false],
      ['eastus', '', false],
    ])('%j and %j → %s', (a, b, expected) => {
      expect(sameLocation(a, b)).toBe(expected);
    });
  });
});
