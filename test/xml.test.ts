/**
 * src/xml.ts beyond what test/voc.test.ts and test/voc-xml-differential.test.ts cover: attributes (decoded,
 * normalised, unique, on a prototype-less object) and a CVAT-shaped document, the vocabulary the reader
 * is next used for.
 */
import { describe, expect, test } from 'vitest';
import { ConversionError } from '../src/errors.js';
import { decodeXml, parseXml } from '../src/xml.js';
import { thrown } from './helpers/convert.js';

describe('attributes', () => {
  test('read with their values decoded; an element without attributes has none', () => {
    const root = parseXml(`<a x="1" y = 'it&apos;s' z="&lt;&#65;&#x42;&gt;"><b/></a>`, 'f.xml');
    expect({ ...root.attributes }).toEqual({ x: '1', y: "it's", z: '<AB>' });
    expect(Object.keys(root.children[0]!.attributes)).toEqual([]);
  });

  test('literal tabs and line ends are spaces (CR LF one space); references to them are kept', () => {
    const root = parseXml('<a v="1\t2\n3\r\n4\r5" w="x&#10;y&#9;z"/>', 'f.xml');
    expect(root.attributes).toEqual({ v: '1 2 3 4 5', w: 'x\ny\tz' });
  });

  test('a name such as __proto__ is an attribute like any other', () => {
    const root = parseXml('<a __proto__="p" constructor="c"/>', 'f.xml');
    expect(root.attributes['__proto__']).toBe('p');
    expect(root.attributes['constructor']).toBe('c');
    expect(Object.getPrototypeOf(root.attributes)).toBe(null);
  });

  test.each([
    ['a repeated attribute', '<a x="1" x="2"/>', 'f.xml: line 1: expected each attribute once in <a>, got x again'],
    ['an unknown entity in a value', '<a>\n<b v="&nbsp;"/></a>', 'f.xml: line 2: expected one of the predefined entities (&amp; &lt; &gt; &quot; &apos;) or a character reference, got "&nbsp;"'],
    ['an unquoted value', '<a v=1/>', 'f.xml: line 1: expected a quoted value for attribute v of <a>, got "1/>"'],
  ])('%s is XML_PARSE', (_what, xml, message) => {
    const e = thrown(() => parseXml(xml, 'f.xml'));
    expect(e).toBeInstanceOf(ConversionError);
    expect([(e as ConversionError).code, (e as ConversionError).message]).toEqual(['XML_PARSE', message]);
  });
});

test('a CVAT-shaped document: images and shapes carry their fields as attributes', () => {
  const xml = `<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <image id="0" name="img0.jpg" width="8" height="8">
    <box label="cat" occluded="0" xtl="0" ytl="2" xbr="4" ybr="4"><attribute name="a1">true</attribute></box>
    <polygon label="dog" points="1,2;3,4;6,5"/>
  </image>
</annotations>`;
  const root = parseXml(decodeXml(Buffer.from(xml), 'train.xml'), 'train.xml');
  expect(root.name).toBe('annotations');
  const image = root.children.find((c) => c.name === 'image')!;
  expect(image.attributes).toEqual({ id: '0', name: 'img0.jpg', width: '8', height: '8' });
  expect(image.children.map((c) => [c.name, c.attributes['label']])).toEqual([
    ['box', 'cat'],
    ['polygon', 'dog'],
  ]);
  expect(image.children[0]!.children[0]).toMatchObject({ name: 'attribute', attributes: { name: 'a1' }, text: 'true' });
});
