<?xml version='1.0' encoding='UTF-8'?>
<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" ODMVersion="1.3.2" FileType="Snapshot" FileOID="ODM.nct05894486-screening" CreationDateTime="2026-12-02T17:58:48+00:00" Description="Screening case report form of trialkit protocol nct05894486. linkIds are fixed by the screening data dictionary (../shared/protocol/data-dictionary.md §2 and §4)." Originator="trialkit" SourceSystem="trialkit" SourceSystemVersion="0.1.0">
  <Study OID="ST.NCT05894486">
    <GlobalVariables>
      <StudyName>NCT05894486</StudyName>
      <StudyDescription>Phase II Study to Evaluate the Efficacy and Safety of 177Lu-Dotatate in the First-line Treatment of Patients With Locally Advanced or Metastatic, Somatostatin Receptor-positive G2 or G3 Gastroenteropancreatic Neuroendocrine Tumors</StudyDescription>
      <ProtocolName>NCT05894486</ProtocolName>
    </GlobalVariables>
    <MetaDataVersion OID="MDV.2026-11-24.1" Name="NCT05894486 screening CRF (177Lu-Dotatate, G2/G3 GEP-NET)" Description="Questionnaire urn:trialkit:questionnaire:nct05894486-screening version 2026-11-24.1">
      <Protocol>
        <StudyEventRef StudyEventOID="SE.SCREENING" OrderNumber="1" Mandatory="Yes" />
      </Protocol>
      <StudyEventDef OID="SE.SCREENING" Name="Screening" Repeating="No" Type="Scheduled">
        <FormRef FormOID="F.SCREENING" OrderNumber="1" Mandatory="Yes" />
      </StudyEventDef>
      <FormDef OID="F.SCREENING" Name="NCT05894486 screening CRF (177Lu-Dotatate, G2/G3 GEP-NET)" Repeating="No">
        <ItemGroupRef ItemGroupOID="IG.consent" OrderNumber="1" Mandatory="No" />
        <ItemGroupRef ItemGroupOID="IG.dates" OrderNumber="2" Mandatory="No" />
        <ItemGroupRef ItemGroupOID="IG.disease" OrderNumber="3" Mandatory="No" />
        <ItemGroupRef ItemGroupOID="IG.lesion" OrderNumber="4" Mandatory="No" />
        <ItemGroupRef ItemGroupOID="IG.performance" OrderNumber="5" Mandatory="No" />
        <ItemGroupRef ItemGroupOID="IG.history" OrderNumber="6" Mandatory="No" />
        <ItemGroupRef ItemGroupOID="IG.investigator" OrderNumber="7" Mandatory="No" />
      </FormDef>
      <ItemGroupDef OID="IG.consent" Name="Informed consent (IN1)" Repeating="No">
        <ItemRef ItemOID="IT.consent-date" OrderNumber="1" Mandatory="No" />
      </ItemGroupDef>
      <ItemGroupDef OID="IG.dates" Name="Dates" Repeating="No">
        <ItemRef ItemOID="IT.planned-first-dose-date" OrderNumber="1" Mandatory="No" />
      </ItemGroupDef>
      <ItemGroupDef OID="IG.disease" Name="Disease (IN3, IN4)" Repeating="No">
        <ItemRef ItemOID="IT.disease-extent" OrderNumber="1" Mandatory="No" />
        <ItemRef ItemOID="IT.differentiation" OrderNumber="2" Mandatory="No" />
        <ItemRef ItemOID="IT.ki67-percent" OrderNumber="3" Mandatory="No" />
        <ItemRef ItemOID="IT.central-pathology-confirmed" OrderNumber="4" Mandatory="No" />
        <ItemRef ItemOID="IT.advanced-disease-date" OrderNumber="5" Mandatory="No" />
        <ItemRef ItemOID="IT.prior-systemic-therapy-current-stage" OrderNumber="6" Mandatory="No" />
      </ItemGroupDef>
      <ItemGroupDef OID="IG.lesion" Name="Baseline lesion (IN5, IN6); one group per lesion" Repeating="Yes">
        <ItemRef ItemOID="IT.lesion-id" OrderNumber="1" Mandatory="No" />
        <ItemRef ItemOID="IT.lesion-organ" OrderNumber="2" Mandatory="No" />
        <ItemRef ItemOID="IT.lesion-is-node" OrderNumber="3" Mandatory="No" />
        <ItemRef ItemOID="IT.lesion-diameter-mm" OrderNumber="4" Mandatory="No" />
        <ItemRef ItemOID="IT.lesion-method" OrderNumber="5" Mandatory="No" />
        <ItemRef ItemOID="IT.lesion-slice-mm" OrderNumber="6" Mandatory="No" />
        <ItemRef ItemOID="IT.lesion-previously-irradiated" OrderNumber="7" Mandatory="No" />
        <ItemRef ItemOID="IT.lesion-target" OrderNumber="8" Mandatory="No" />
        <ItemRef ItemOID="IT.lesion-krenning" OrderNumber="9" Mandatory="No" />
      </ItemGroupDef>
      <ItemGroupDef OID="IG.performance" Name="Performance status and contraception (IN7, IN8)" Repeating="No">
        <ItemRef ItemOID="IT.ecog" OrderNumber="1" Mandatory="No" />
        <ItemRef ItemOID="IT.childbearing-potential" OrderNumber="2" Mandatory="No" />
        <ItemRef ItemOID="IT.contraception-agreed" OrderNumber="3" Mandatory="No" />
      </ItemGroupDef>
      <ItemGroupDef OID="IG.history" Name="Medical history (EX7-EX23)" Repeating="No">
        <ItemRef ItemOID="IT.pregnant" OrderNumber="1" Mandatory="No" />
        <ItemRef ItemOID="IT.lactating" OrderNumber="2" Mandatory="No" />
        <ItemRef ItemOID="IT.prior-prrt" OrderNumber="3" Mandatory="No" />
        <ItemRef ItemOID="IT.prior-local-therapy" OrderNumber="4" Mandatory="No" />
        <ItemRef ItemOID="IT.last-local-therapy-date" OrderNumber="5" Mandatory="No" />
        <ItemRef ItemOID="IT.prior-systemic-therapy" OrderNumber="6" Mandatory="No" />
        <ItemRef ItemOID="IT.last-systemic-therapy-date" OrderNumber="7" Mandatory="No" />
        <ItemRef ItemOID="IT.prior-toxicity-above-grade-1" OrderNumber="8" Mandatory="No" />
        <ItemRef ItemOID="IT.prior-bone-ebrt" OrderNumber="9" Mandatory="No" />
        <ItemRef ItemOID="IT.last-bone-ebrt-date" OrderNumber="10" Mandatory="No" />
        <ItemRef ItemOID="IT.marrow-irradiated-percent" OrderNumber="11" Mandatory="No" />
        <ItemRef ItemOID="IT.brain-metastases" OrderNumber="12" Mandatory="No" />
        <ItemRef ItemOID="IT.brain-metastases-stable-since" OrderNumber="13" Mandatory="No" />
        <ItemRef ItemOID="IT.chf-uncontrolled" OrderNumber="14" Mandatory="No" />
        <ItemRef ItemOID="IT.diabetes-uncontrolled" OrderNumber="15" Mandatory="No" />
        <ItemRef ItemOID="IT.octreotide-short-interruptible" OrderNumber="16" Mandatory="No" />
        <ItemRef ItemOID="IT.octreotide-lar-interruptible" OrderNumber="17" Mandatory="No" />
        <ItemRef ItemOID="IT.other-malignancy" OrderNumber="18" Mandatory="No" />
        <ItemRef ItemOID="IT.hypersensitivity-study-drug" OrderNumber="19" Mandatory="No" />
        <ItemRef ItemOID="IT.contrast-contraindicated" OrderNumber="20" Mandatory="No" />
        <ItemRef ItemOID="IT.active-infection" OrderNumber="21" Mandatory="No" />
        <ItemRef ItemOID="IT.hbv-dna-positive-site" OrderNumber="22" Mandatory="No" />
        <ItemRef ItemOID="IT.prior-investigational-drug" OrderNumber="23" Mandatory="No" />
        <ItemRef ItemOID="IT.last-investigational-drug-date" OrderNumber="24" Mandatory="No" />
      </ItemGroupDef>
      <ItemGroupDef OID="IG.investigator" Name="Investigator judgement (EX24-EX26)" Repeating="No">
        <ItemRef ItemOID="IT.investigator-ex24" OrderNumber="1" Mandatory="No" />
        <ItemRef ItemOID="IT.investigator-ex25" OrderNumber="2" Mandatory="No" />
        <ItemRef ItemOID="IT.investigator-ex26" OrderNumber="3" Mandatory="No" />
      </ItemGroupDef>
      <ItemDef OID="IT.consent-date" Name="consent-date" DataType="date">
        <Question>
          <TranslatedText xml:lang="en">Date the written informed consent was signed</TranslatedText>
        </Question>
        <Alias Context="FHIR linkId" Name="consent-date" />
      </ItemDef>
      <ItemDef OID="IT.planned-first-dose-date" Name="planned-first-dose-date" DataType="date">
        <Question>
          <TranslatedText xml:lang="en">Planned date of the first 177Lu-Dotatate dose</TranslatedText>
        </Question>
        <Alias Context="FHIR linkId" Name="planned-first-dose-date" />
      </ItemDef>
      <ItemDef OID="IT.disease-extent" Name="disease-extent" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Extent of disease</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.disease-extent" />
        <Alias Context="FHIR linkId" Name="disease-extent" />
      </ItemDef>
      <ItemDef OID="IT.differentiation" Name="differentiation" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Differentiation</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.differentiation" />
        <Alias Context="FHIR linkId" Name="differentiation" />
      </ItemDef>
      <ItemDef OID="IT.ki67-percent" Name="ki67-percent" DataType="float" Length="20" SignificantDigits="6">
        <Question>
          <TranslatedText xml:lang="en">Ki-67 index (%)</TranslatedText>
        </Question>
        <Alias Context="FHIR linkId" Name="ki67-percent" />
      </ItemDef>
      <ItemDef OID="IT.central-pathology-confirmed" Name="central-pathology-confirmed" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Central pathology has confirmed the diagnosis and grade</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="central-pathology-confirmed" />
      </ItemDef>
      <ItemDef OID="IT.advanced-disease-date" Name="advanced-disease-date" DataType="date">
        <Question>
          <TranslatedText xml:lang="en">Date advanced (unresectable or metastatic) disease was diagnosed</TranslatedText>
        </Question>
        <Alias Context="FHIR linkId" Name="advanced-disease-date" />
      </ItemDef>
      <ItemDef OID="IT.prior-systemic-therapy-current-stage" Name="prior-systemic-therapy-current-stage" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Any systemic antitumour therapy (incl. PRRT) since advanced disease was diagnosed</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="prior-systemic-therapy-current-stage" />
      </ItemDef>
      <ItemDef OID="IT.lesion-id" Name="lesion-id" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Lesion identifier</TranslatedText>
        </Question>
        <Alias Context="FHIR linkId" Name="lesion-id" />
      </ItemDef>
      <ItemDef OID="IT.lesion-organ" Name="lesion-organ" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Organ</TranslatedText>
        </Question>
        <Alias Context="FHIR linkId" Name="lesion-organ" />
      </ItemDef>
      <ItemDef OID="IT.lesion-is-node" Name="lesion-is-node" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Lymph node</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="lesion-is-node" />
      </ItemDef>
      <ItemDef OID="IT.lesion-diameter-mm" Name="lesion-diameter-mm" DataType="float" Length="20" SignificantDigits="6">
        <Question>
          <TranslatedText xml:lang="en">Diameter in mm (longest; short axis for nodes)</TranslatedText>
        </Question>
        <Alias Context="FHIR linkId" Name="lesion-diameter-mm" />
      </ItemDef>
      <ItemDef OID="IT.lesion-method" Name="lesion-method" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Measurement method</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.lesion-method" />
        <Alias Context="FHIR linkId" Name="lesion-method" />
      </ItemDef>
      <ItemDef OID="IT.lesion-slice-mm" Name="lesion-slice-mm" DataType="float" Length="20" SignificantDigits="6">
        <Question>
          <TranslatedText xml:lang="en">Slice thickness in mm (CT/MRI)</TranslatedText>
        </Question>
        <Alias Context="FHIR linkId" Name="lesion-slice-mm" />
      </ItemDef>
      <ItemDef OID="IT.lesion-previously-irradiated" Name="lesion-previously-irradiated" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Lesion in a previously irradiated field</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="lesion-previously-irradiated" />
      </ItemDef>
      <ItemDef OID="IT.lesion-target" Name="lesion-target" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Selected as RECIST target lesion</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="lesion-target" />
      </ItemDef>
      <ItemDef OID="IT.lesion-krenning" Name="lesion-krenning" DataType="integer" Length="3">
        <Question>
          <TranslatedText xml:lang="en">Krenning score on 68Ga-DOTATATE PET/CT (0-4)</TranslatedText>
        </Question>
        <RangeCheck Comparator="GE" SoftHard="Hard">
          <CheckValue>0</CheckValue>
          <ErrorMessage>
            <TranslatedText xml:lang="en">lesion-krenning must be ≥ 0</TranslatedText>
          </ErrorMessage>
        </RangeCheck>
        <RangeCheck Comparator="LE" SoftHard="Hard">
          <CheckValue>4</CheckValue>
          <ErrorMessage>
            <TranslatedText xml:lang="en">lesion-krenning must be ≤ 4</TranslatedText>
          </ErrorMessage>
        </RangeCheck>
        <Alias Context="FHIR linkId" Name="lesion-krenning" />
      </ItemDef>
      <ItemDef OID="IT.ecog" Name="ecog" DataType="integer" Length="3">
        <Question>
          <TranslatedText xml:lang="en">ECOG performance status (0-5)</TranslatedText>
        </Question>
        <RangeCheck Comparator="GE" SoftHard="Hard">
          <CheckValue>0</CheckValue>
          <ErrorMessage>
            <TranslatedText xml:lang="en">ecog must be ≥ 0</TranslatedText>
          </ErrorMessage>
        </RangeCheck>
        <RangeCheck Comparator="LE" SoftHard="Hard">
          <CheckValue>5</CheckValue>
          <ErrorMessage>
            <TranslatedText xml:lang="en">ecog must be ≤ 5</TranslatedText>
          </ErrorMessage>
        </RangeCheck>
        <Alias Context="FHIR linkId" Name="ecog" />
      </ItemDef>
      <ItemDef OID="IT.childbearing-potential" Name="childbearing-potential" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Subject (or partner) of childbearing potential</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="childbearing-potential" />
      </ItemDef>
      <ItemDef OID="IT.contraception-agreed" Name="contraception-agreed" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Agrees to effective contraception until 3 months after the last dose</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="contraception-agreed" />
      </ItemDef>
      <ItemDef OID="IT.pregnant" Name="pregnant" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Pregnant</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="pregnant" />
      </ItemDef>
      <ItemDef OID="IT.lactating" Name="lactating" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Lactating</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="lactating" />
      </ItemDef>
      <ItemDef OID="IT.prior-prrt" Name="prior-prrt" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Any prior peptide receptor radionuclide therapy</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="prior-prrt" />
      </ItemDef>
      <ItemDef OID="IT.prior-local-therapy" Name="prior-local-therapy" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Any surgery (except biopsy), radical radiotherapy, hepatic arterial embolisation, liver cryoablation or radiofrequency ablation</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="prior-local-therapy" />
      </ItemDef>
      <ItemDef OID="IT.last-local-therapy-date" Name="last-local-therapy-date" DataType="date">
        <Question>
          <TranslatedText xml:lang="en">Date of the last such local therapy</TranslatedText>
        </Question>
        <Alias Context="FHIR linkId" Name="last-local-therapy-date" />
      </ItemDef>
      <ItemDef OID="IT.prior-systemic-therapy" Name="prior-systemic-therapy" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Any systemic antitumour therapy (targeted, immuno-, herbal antitumour, chemotherapy)</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="prior-systemic-therapy" />
      </ItemDef>
      <ItemDef OID="IT.last-systemic-therapy-date" Name="last-systemic-therapy-date" DataType="date">
        <Question>
          <TranslatedText xml:lang="en">Date of the last systemic antitumour therapy</TranslatedText>
        </Question>
        <Alias Context="FHIR linkId" Name="last-systemic-therapy-date" />
      </ItemDef>
      <ItemDef OID="IT.prior-toxicity-above-grade-1" Name="prior-toxicity-above-grade-1" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Toxicity of prior antitumour therapy still above grade 1 (alopecia excepted)</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="prior-toxicity-above-grade-1" />
      </ItemDef>
      <ItemDef OID="IT.prior-bone-ebrt" Name="prior-bone-ebrt" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Any external beam radiotherapy to bone metastases</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="prior-bone-ebrt" />
      </ItemDef>
      <ItemDef OID="IT.last-bone-ebrt-date" Name="last-bone-ebrt-date" DataType="date">
        <Question>
          <TranslatedText xml:lang="en">Date of the last external beam radiotherapy to bone metastases</TranslatedText>
        </Question>
        <Alias Context="FHIR linkId" Name="last-bone-ebrt-date" />
      </ItemDef>
      <ItemDef OID="IT.marrow-irradiated-percent" Name="marrow-irradiated-percent" DataType="float" Length="20" SignificantDigits="6">
        <Question>
          <TranslatedText xml:lang="en">Percentage of bone marrow previously irradiated</TranslatedText>
        </Question>
        <Alias Context="FHIR linkId" Name="marrow-irradiated-percent" />
      </ItemDef>
      <ItemDef OID="IT.brain-metastases" Name="brain-metastases" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Brain metastases</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.brain-metastases" />
        <Alias Context="FHIR linkId" Name="brain-metastases" />
      </ItemDef>
      <ItemDef OID="IT.brain-metastases-stable-since" Name="brain-metastases-stable-since" DataType="date">
        <Question>
          <TranslatedText xml:lang="en">Brain metastases stable since</TranslatedText>
        </Question>
        <Alias Context="FHIR linkId" Name="brain-metastases-stable-since" />
      </ItemDef>
      <ItemDef OID="IT.chf-uncontrolled" Name="chf-uncontrolled" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Uncontrolled congestive heart failure</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="chf-uncontrolled" />
      </ItemDef>
      <ItemDef OID="IT.diabetes-uncontrolled" Name="diabetes-uncontrolled" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Uncontrolled diabetes mellitus</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="diabetes-uncontrolled" />
      </ItemDef>
      <ItemDef OID="IT.octreotide-short-interruptible" Name="octreotide-short-interruptible" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Short-acting octreotide can be interrupted 24 h before and after each dose</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="octreotide-short-interruptible" />
      </ItemDef>
      <ItemDef OID="IT.octreotide-lar-interruptible" Name="octreotide-lar-interruptible" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Octreotide LAR can be interrupted at least 6 weeks before dosing</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="octreotide-lar-interruptible" />
      </ItemDef>
      <ItemDef OID="IT.other-malignancy" Name="other-malignancy" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Other malignancy not treated with 5 years free of recurrence</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="other-malignancy" />
      </ItemDef>
      <ItemDef OID="IT.hypersensitivity-study-drug" Name="hypersensitivity-study-drug" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Known hypersensitivity to 177Lu-oxodotreotide, octreotide or excipients</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="hypersensitivity-study-drug" />
      </ItemDef>
      <ItemDef OID="IT.contrast-contraindicated" Name="contrast-contraindicated" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Unsuitable for contrast-enhanced CT or MRI</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="contrast-contraindicated" />
      </ItemDef>
      <ItemDef OID="IT.active-infection" Name="active-infection" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Clinically significant active infection (incl. HIV antibody positive)</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="active-infection" />
      </ItemDef>
      <ItemDef OID="IT.hbv-dna-positive-site" Name="hbv-dna-positive-site" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">HBV DNA positive by the research centre's criteria</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="hbv-dna-positive-site" />
      </ItemDef>
      <ItemDef OID="IT.prior-investigational-drug" Name="prior-investigational-drug" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Any investigational drug in another clinical trial</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="prior-investigational-drug" />
      </ItemDef>
      <ItemDef OID="IT.last-investigational-drug-date" Name="last-investigational-drug-date" DataType="date">
        <Question>
          <TranslatedText xml:lang="en">Date of the last investigational drug</TranslatedText>
        </Question>
        <Alias Context="FHIR linkId" Name="last-investigational-drug-date" />
      </ItemDef>
      <ItemDef OID="IT.investigator-ex24" Name="investigator-ex24" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Uncontrolled disease, mental status or surgical condition that may interfere with the study or make the drug inappropriate</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="investigator-ex24" />
      </ItemDef>
      <ItemDef OID="IT.investigator-ex25" Name="investigator-ex25" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Another treatment option is more appropriate for this patient</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="investigator-ex25" />
      </ItemDef>
      <ItemDef OID="IT.investigator-ex26" Name="investigator-ex26" DataType="text" Length="200">
        <Question>
          <TranslatedText xml:lang="en">Otherwise unsuitable for the study drug</TranslatedText>
        </Question>
        <CodeListRef CodeListOID="CL.TRUEFALSE" />
        <Alias Context="FHIR linkId" Name="investigator-ex26" />
      </ItemDef>
      <CodeList OID="CL.disease-extent" Name="Extent of disease" DataType="text">
        <CodeListItem CodedValue="locally-advanced-unresectable">
          <Decode>
            <TranslatedText xml:lang="en">Locally advanced, unresectable</TranslatedText>
          </Decode>
        </CodeListItem>
        <CodeListItem CodedValue="metastatic">
          <Decode>
            <TranslatedText xml:lang="en">Metastatic</TranslatedText>
          </Decode>
        </CodeListItem>
        <CodeListItem CodedValue="resectable">
          <Decode>
            <TranslatedText xml:lang="en">Resectable</TranslatedText>
          </Decode>
        </CodeListItem>
      </CodeList>
      <CodeList OID="CL.differentiation" Name="Differentiation" DataType="text">
        <CodeListItem CodedValue="well">
          <Decode>
            <TranslatedText xml:lang="en">Well differentiated</TranslatedText>
          </Decode>
        </CodeListItem>
        <CodeListItem CodedValue="poor">
          <Decode>
            <TranslatedText xml:lang="en">Poorly differentiated</TranslatedText>
          </Decode>
        </CodeListItem>
      </CodeList>
      <CodeList OID="CL.TRUEFALSE" Name="Yes/No" DataType="text">
        <CodeListItem CodedValue="true">
          <Decode>
            <TranslatedText xml:lang="en">Yes</TranslatedText>
          </Decode>
        </CodeListItem>
        <CodeListItem CodedValue="false">
          <Decode>
            <TranslatedText xml:lang="en">No</TranslatedText>
          </Decode>
        </CodeListItem>
      </CodeList>
      <CodeList OID="CL.lesion-method" Name="Measurement method" DataType="text">
        <CodeListItem CodedValue="CT">
          <Decode>
            <TranslatedText xml:lang="en">CT</TranslatedText>
          </Decode>
        </CodeListItem>
        <CodeListItem CodedValue="MRI">
          <Decode>
            <TranslatedText xml:lang="en">MRI</TranslatedText>
          </Decode>
        </CodeListItem>
        <CodeListItem CodedValue="X-ray">
          <Decode>
            <TranslatedText xml:lang="en">Chest X-ray</TranslatedText>
          </Decode>
        </CodeListItem>
        <CodeListItem CodedValue="caliper">
          <Decode>
            <TranslatedText xml:lang="en">Clinical examination with calipers</TranslatedText>
          </Decode>
        </CodeListItem>
      </CodeList>
      <CodeList OID="CL.brain-metastases" Name="Brain metastases" DataType="text">
        <CodeListItem CodedValue="none">
          <Decode>
            <TranslatedText xml:lang="en">None known</TranslatedText>
          </Decode>
        </CodeListItem>
        <CodeListItem CodedValue="untreated">
          <Decode>
            <TranslatedText xml:lang="en">Present, untreated or not stable</TranslatedText>
          </Decode>
        </CodeListItem>
        <CodeListItem CodedValue="treated">
          <Decode>
            <TranslatedText xml:lang="en">Present, treated</TranslatedText>
          </Decode>
        </CodeListItem>
      </CodeList>
    </MetaDataVersion>
  </Study>
</ODM>